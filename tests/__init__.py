from . import test_charges
from . import test_concurrency
from . import test_payments
from . import test_overdue
from . import test_ar_aging
from . import test_backoffice_tour
