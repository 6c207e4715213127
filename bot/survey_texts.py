"""The built-in survey wording, marked for extraction so the catalogs translate it.

The strings must stay identical to those in ``bot/surveys/default.toml``; a test checks it.
"""

from bot.i18n import N_

BUILTIN_TEXTS = (
    N_("How likely are you to recommend us to a friend or colleague?"),
    N_("We are sorry to hear that. What disappointed you?"),
    N_("What would make it a 10 for you?"),
    N_("Thank you! What do you value most about us?"),
    N_("How satisfied are you with the service you received?"),
    N_("What went wrong?"),
    N_("What could we have done better?"),
    N_("The company made it easy for me to handle my issue. How much do you agree?"),
    N_("What made it hard?"),
)
