# shellcheck shell=bash
# Sourced by bin/_lib.sh: obtain the Odoo 18.0 source pinned in odoo.lock into
# the git-ignored .local/odoo when no Odoo tree is found on the machine.
#   ODOO_SOURCE=/path/to/git-dir   a local clone or bare mirror of Odoo 18.0
#   ODOO_SOURCE=/path/to/odoo.tgz  a source tarball (nightly or GitHub archive)
#   (neither)                      Odoo's GitHub repository, shallow
# Whatever the source, the content is checked against ODOO_CONTENT before use.

PB_ODOO_LOCAL="$PB_LOCAL/odoo"

# The lines the content hash is made of, from "<blob id> <path>" lines on stdin:
# a git checkout's addons/ goes under odoo/addons/ as in the nightly layout.
_odoo_content_hash() {
    sed -E 's#^([0-9a-f]{40}) addons/#\1 odoo/addons/#' | LC_ALL=C sort -k2 | sha256sum | cut -d' ' -f1
}

# Content hash of a commit in a git directory (bare or not): from its trees
# only, so it costs no checkout.
_odoo_content_of_rev() {
    local git_dir=$1 rev=$2 paths=(odoo odoo-bin requirements.txt)
    # Nightly layout has every addon in odoo/addons; a git checkout keeps them in addons/.
    [ -n "$(git --git-dir="$git_dir" ls-tree "$rev" odoo/addons/account 2>/dev/null)" ] || paths+=(addons)
    git --git-dir="$git_dir" -c core.quotePath=false ls-tree -r -z --format='%(objectname) %(path)' "$rev" -- "${paths[@]}" \
        | tr '\0' '\n' | _odoo_content_hash
}

# Content hash of an unpacked tree (already in the nightly layout).
_odoo_content_of_dir() {
    local dir=$1 tmp; tmp=$(mktemp -d)
    git init -q --bare "$tmp/g"
    (cd "$dir" && find odoo odoo-bin requirements.txt \( -type f -o -type l \) ! -name '*.pyc' ! -path '*/__pycache__/*' -print0 \
        | GIT_DIR="$tmp/g" GIT_INDEX_FILE="$tmp/index" GIT_WORK_TREE="$dir" git update-index --add -z --stdin) || { rm -rf "$tmp"; return 1; }
    local tree; tree=$(GIT_DIR="$tmp/g" GIT_INDEX_FILE="$tmp/index" git write-tree)
    git --git-dir="$tmp/g" -c core.quotePath=false ls-tree -r -z --format='%(objectname) %(path)' "$tree" \
        | tr '\0' '\n' | _odoo_content_hash
    rm -rf "$tmp"
}

# A GitHub archive or a git checkout keeps addons/ beside odoo/: merge it in.
_odoo_nightly_layout() {
    local dir=$1
    if [ -d "$dir/addons" ] && [ ! -d "$dir/odoo/addons/account" ]; then
        mv "$dir"/addons/* "$dir/odoo/addons/"
    fi
    rm -rf "$dir/addons"
}

# Extract odoo-bin, requirements.txt and odoo/ (+ addons/) of REV into DEST.
_odoo_extract_rev() {
    local git_dir=$1 rev=$2 dest=$3 paths=(odoo odoo-bin requirements.txt)
    [ -n "$(git --git-dir="$git_dir" ls-tree "$rev" odoo/addons/account)" ] || paths+=(addons)
    mkdir -p "$dest"
    git --git-dir="$git_dir" archive --format=tar "$rev" -- "${paths[@]}" | tar -xf - -C "$dest"
    _odoo_nightly_layout "$dest"
}

_odoo_from_git_dir() {
    local src=$1 dest=$2 git_dir rev candidates=()
    git_dir=$(git -C "$src" rev-parse --absolute-git-dir 2>/dev/null) \
        || die "ODOO_SOURCE=$src is neither a git directory nor a tarball: point it at a clone or .tar.gz of Odoo 18.0."
    [ -n "$ODOO_COMMIT" ] && candidates+=("$ODOO_COMMIT")
    candidates+=("${ODOO_SOURCE_REF:-HEAD}")
    for rev in "${candidates[@]}"; do
        git --git-dir="$git_dir" rev-parse -q --verify "$rev^{commit}" >/dev/null || continue
        if [ "$(_odoo_content_of_rev "$git_dir" "$rev")" = "$ODOO_CONTENT" ]; then
            say "extracting Odoo $ODOO_SERIES ($rev of $src, content verified) into .local/odoo"
            _odoo_extract_rev "$git_dir" "$rev" "$dest" || die "extracting Odoo from $src failed: check that the directory is readable and the disk has 2 GB free."
            return
        fi
    done
    die "ODOO_SOURCE=$src has no commit (tried ${candidates[*]}) with the Odoo 18.0 content pinned in odoo.lock: set ODOO_SOURCE_REF to the commit of the $ODOO_DATE nightly."
}

_odoo_from_tarball() {
    local src=$1 dest=$2 root got
    mkdir -p "$dest.unpack"
    say "unpacking $src"
    tar -xf "$src" -C "$dest.unpack" 2>/dev/null \
        || { rm -rf "$dest.unpack"; die "ODOO_SOURCE=$src could not be unpacked: give a .tar, .tar.gz or .tar.xz of the Odoo 18.0 source."; }
    root=$(find "$dest.unpack" -maxdepth 2 -name odoo-bin -type f -printf '%h\n' | head -n 1)
    [ -n "$root" ] || { rm -rf "$dest.unpack"; die "ODOO_SOURCE=$src holds no odoo-bin: give a tarball of the Odoo 18.0 source."; }
    _odoo_nightly_layout "$root"
    say "verifying the content of $src (a minute or two)"
    got=$(_odoo_content_of_dir "$root")
    [ "$got" = "$ODOO_CONTENT" ] \
        || { rm -rf "$dest.unpack"; die "ODOO_SOURCE=$src is not the Odoo 18.0 source pinned in odoo.lock (content $got): use the $ODOO_DATE nightly."; }
    mkdir -p "$dest"
    mv "$root/odoo" "$root/odoo-bin" "$root/requirements.txt" "$dest/"
    rm -rf "$dest.unpack"
}

# Odoo's GitHub repository: the pinned commit, shallow. Without a pinned sha,
# a tree-only (blobless) history of that day finds the commit by its content.
_odoo_from_github() {
    local dest=$1 git_dir="$1.git" sha="$ODOO_COMMIT" rev
    command -v git >/dev/null || die "git is missing: install git, or set ODOO_PATH to an Odoo 18.0 tree."
    rm -rf "$git_dir"
    git init -q --bare "$git_dir"
    if [ -z "$sha" ]; then
        local since until
        since=$(date -u -d "$ODOO_DATE -3 days" +%F) until=$(date -u -d "$ODOO_DATE +1 day" +%F)
        say "looking up the $ODOO_DATE commit of Odoo $ODOO_BRANCH on $ODOO_REPO (trees only)"
        git --git-dir="$git_dir" fetch -q --filter=blob:none --shallow-since="$since" "$ODOO_REPO" "$ODOO_BRANCH" \
            || die "could not reach $ODOO_REPO: set ODOO_SOURCE to a local Odoo 18.0 git directory or tarball, or ODOO_PATH to an Odoo tree."
        for rev in $(git --git-dir="$git_dir" rev-list --since="$since" --until="$until" FETCH_HEAD); do
            if [ "$(_odoo_content_of_rev "$git_dir" "$rev")" = "$ODOO_CONTENT" ]; then sha=$rev; break; fi
        done
        [ -n "$sha" ] || die "no $ODOO_BRANCH commit around $ODOO_DATE on $ODOO_REPO has the content pinned in odoo.lock: set ODOO_SOURCE to the $ODOO_DATE nightly tarball."
        say "Odoo $ODOO_DATE is commit $sha: pin it as ODOO_COMMIT=$sha in odoo.lock"
        rm -rf "$git_dir"; git init -q --bare "$git_dir"
    fi
    say "fetching Odoo $ODOO_SERIES at $sha from $ODOO_REPO (shallow, a few hundred MB)"
    git --git-dir="$git_dir" fetch -q --depth 1 "$ODOO_REPO" "$sha" \
        || die "could not fetch $sha from $ODOO_REPO: set ODOO_SOURCE to a local Odoo 18.0 git directory or tarball, or ODOO_PATH to an Odoo tree."
    [ "$(_odoo_content_of_rev "$git_dir" "$sha")" = "$ODOO_CONTENT" ] \
        || die "commit $sha of $ODOO_REPO does not have the content pinned in odoo.lock: fix ODOO_COMMIT or ODOO_CONTENT in odoo.lock."
    _odoo_extract_rev "$git_dir" "$sha" "$dest" || die "extracting Odoo failed: check that the disk has 2 GB free."
    rm -rf "$git_dir"
}

# Makes .local/odoo the verified Odoo tree pinned in odoo.lock, obtaining it
# first if needed. A half-made or outdated copy is replaced.
obtain_odoo() {
    # shellcheck source=/dev/null
    . "$PB_ROOT/odoo.lock"
    local stamp="$PB_ODOO_LOCAL/.pb-odoo-content" partial="$PB_ODOO_LOCAL.partial"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$ODOO_CONTENT" ] && [ -f "$PB_ODOO_LOCAL/odoo-bin" ]; then
        return
    fi
    command -v git >/dev/null || die "git is missing: install git, or set ODOO_PATH to an Odoo 18.0 tree."
    mkdir -p "$PB_LOCAL"
    rm -rf "$partial" "$partial.unpack" "$partial.git"
    {
        if [ -z "${ODOO_SOURCE:-}" ]; then
            _odoo_from_github "$partial"
        elif [ -f "$ODOO_SOURCE" ]; then
            _odoo_from_tarball "$ODOO_SOURCE" "$partial"
        elif [ -d "$ODOO_SOURCE" ]; then
            _odoo_from_git_dir "$ODOO_SOURCE" "$partial"
        else
            die "ODOO_SOURCE=$ODOO_SOURCE does not exist: point it at an Odoo 18.0 git directory or source tarball."
        fi
    } >&2
    echo "$ODOO_CONTENT" > "$partial/.pb-odoo-content"
    rm -rf "$PB_ODOO_LOCAL"
    mv "$partial" "$PB_ODOO_LOCAL"
}
