from . import test_charges
from . import test_concurrency
