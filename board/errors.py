"""The one exception type for "a rule of the board said no".

Every service's refusal (requests.services.ServiceError, accounts' own) is a
`Refusal` whose message is written for the person. Views may catch one to keep
a form with what the person typed; anything they don't catch is answered once
for the whole site: a page saying why (board.middleware.RefusalMiddleware) or,
in the API, a 409 in the standard error shape (board.api_errors).
"""


class Refusal(Exception):
    """A rule of the board said no; str(refusal) is the message for the person."""
