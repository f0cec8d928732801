from . import test_charges
