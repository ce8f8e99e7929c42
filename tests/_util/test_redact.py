"""The one redaction rule: credential-named values, credential-shaped strings, environment keys."""

from scalar._util.redact import MASK, is_secret_name, redact, redact_text, redact_url, remember


def test_credential_names_are_recognised_and_ordinary_settings_are_not():
    for name in ["api_key", "aws_secret_access_key", "azure_ad_token", "vertex_credentials", "Authorization",
                 "X-Api-Key", "password", "OPENAI_API_KEY", "HF_TOKEN", "sessionToken", "aws_access_key_id"]:
        assert is_secret_name(name), name
    for name in ["max_tokens", "tokenizer", "top_p", "context_window", "reasoning_effort", "seed",
                 "input_cost_per_mtok", "prompt_tokens", "keywords"]:
        assert not is_secret_name(name), name


def test_nested_values_are_masked_and_then_found_in_free_text():
    args = {"extra_headers": {"Authorization": "Bearer abcdefgh123", "X-Trace": "t1"},
            "vertex_credentials": {"private_key": "pk-0123456789"}, "max_tokens": 5, "top_p": 0.9}
    out = redact(args)
    assert out == {"extra_headers": {"Authorization": MASK, "X-Trace": "t1"}, "vertex_credentials": MASK,
                   "max_tokens": 5, "top_p": 0.9}
    assert args["vertex_credentials"]["private_key"] == "pk-0123456789"  # the input is not changed
    assert redact_text("server said: bad key pk-0123456789!") == f"server said: bad key {MASK}!"


def test_credential_shapes_in_text():
    text = ("Authorization: Bearer eyJhbGciOi.xyz-123 and key sk-ant-api03-AbCdEf012345 "
            "url https://bob:s3cretpw@host/v1 api_key=zz9988776655 hf_abcdefghijklmnopqrstu AKIAABCDEFGHIJKLMNOP")
    out = redact_text(text)
    for secret in ["eyJhbGciOi", "sk-ant-api03", "s3cretpw", "zz9988776655", "hf_abcdefghijklmnop", "AKIAABCDEFGHIJKLMNOP"]:
        assert secret not in out, (secret, out)
    assert "Bearer " + MASK in out
    # ordinary answers survive
    assert redact_text("<answer>2</answer> the token budget is 512") == "<answer>2</answer> the token budget is 512"


def test_environment_keys_are_masked_wherever_they_appear(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "plain-looking-value-42")
    monkeypatch.setenv("SHORT_TOKEN", "abc")  # too short to hunt in free text
    assert redact_text("echo: plain-looking-value-42 / abc") == f"echo: {MASK} / abc"
    remember("remembered-secret-9")
    assert redact_text("x remembered-secret-9 y") == f"x {MASK} y"


def test_urls_lose_credentials_and_queries():
    assert redact_url("https://user:secret@gpu-node:8000/v1?token=abc") == "https://gpu-node:8000/v1"
    assert redact_url(None) is None


def test_log_records_are_masked(caplog):
    import logging

    from scalar._util.redact import RedactingFilter

    log = logging.getLogger("scalar-test-redact")
    log.addFilter(RedactingFilter())
    with caplog.at_level(logging.ERROR, logger="scalar-test-redact"):
        log.error("request failed: headers %s", {"Authorization": "Bearer abc.def-123456"})
    assert "abc.def-123456" not in caplog.text and MASK in caplog.text
