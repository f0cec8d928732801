from . import portal
from . import statement_portal
from . import portal_autopay
from . import portal_account
from . import portal_pay_all
