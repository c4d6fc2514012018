"""The base of every error meant for the user."""


class UserError(Exception):
    """A refusal or problem whose message is a plain Dutch sentence for the user.

    Pages show it with st.error and the command line prints it; neither shows a traceback.
    """

    @property
    def message(self) -> str:
        return str(self)
