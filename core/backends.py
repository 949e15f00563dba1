from django.contrib.auth.backends import ModelBackend


class PersonBackend(ModelBackend):
    """The model backend, fetching the person with their organisation and org unit in one query:
    every request's access check needs them."""

    def get_user(self, user_id):
        user = (
            self.user_model_class()._default_manager.select_related("organisation__org_unit").filter(pk=user_id).first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None

    @staticmethod
    def user_model_class():
        from django.contrib.auth import get_user_model

        return get_user_model()
