"""The wizard shows a hostile provider's error as plain text: no image, no link, no key."""

from __future__ import annotations

from test_ui_apptest import go, new_app, texts, wizard_for

from assessment.testing.server import Reply


def test_provider_error_is_plain_text_and_redacted(server, monkeypatch):
    key = "ata-uileak-0123456789abcdefXYZ"
    monkeypatch.setenv("ATA_UI_KEY", key)
    # The key straddles character 200 of the provider's text, where the shown message is cut.
    body = "![pwn](http://evil.example/x.png) [click](http://evil.example) " + "z" * 80 + key
    server.script("Reply with the word OK.", Reply(status=400, error_body=body))
    w = wizard_for(server, names=("vendor",))
    w.candidates.candidates[0] = w.candidates.candidates[0].model_copy(update={"api_key_env": "ATA_UI_KEY"})
    at = go(new_app(), "candidates", w)
    at.button(key="test_vendor").click().run()
    errors = texts(at, "error")
    assert any("rejected the request" in e for e in errors), errors
    shown = " ".join(errors)
    assert "![pwn](" not in shown and "[click](" not in shown  # markdown syntax is escaped, so it renders as text
    assert key[:12] not in shown and key[-12:] not in shown
