"""The base of every error meant for the user."""


def _rebuild(cls: "type[UserError]", args: tuple, state: dict) -> "UserError":
    """An error as it was pickled, without calling its __init__ (whose signature varies)."""
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class UserError(Exception):
    """A refusal or problem whose message is a plain Dutch sentence for the user.

    Pages show it with st.error and the command line prints it; neither shows a traceback.
    """

    @property
    def message(self) -> str:
        return str(self)

    def __reduce__(self):
        # Errors come back from the worker process pickled; subclasses such as StorageError
        # take other arguments than the message, which the default pickling would pass.
        return _rebuild, (type(self), self.args, self.__dict__)
