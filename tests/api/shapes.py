"""Check that real responses have the documented shape (the OpenAPI response models)."""

from field_app.api import responses


def assert_shape(resp, model=None):
    """Validate an API response body against its response model, or the error shape for 4xx."""
    body = resp.get_json()
    if resp.status_code >= 400 and "attempt" not in body:
        responses.ErrorOut.model_validate(body)
        assert body["error"]["code"] and body["error"]["message"]
    elif model is not None:
        model.model_validate(body)
    return body
