from . import portal
from . import statement_portal
from . import portal_autopay
from . import portal_account
from . import estimate_portal
from . import portal_payment_plan
from . import portal_pay_all
