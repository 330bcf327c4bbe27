"""Input fields shared by the API's serializers."""

from rest_framework import serializers

from cnppm.ids import MAX_ID


class IdField(serializers.IntegerField):
    """The id of a row given in a request body: a positive 64-bit integer, else a 400 that says so."""

    default_error_messages = {
        "invalid": "Укажите целое число (id).",
        "min_value": "Такого id не бывает: id — положительное число.",
        "max_value": "Такого id не бывает: число слишком велико.",
        "max_string_length": "Такого id не бывает: число слишком велико.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)
