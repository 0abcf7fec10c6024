from providers.modes import OFF, SANDBOX, provider_mode


def test_it_prefers_sandbox_over_keys(settings):
    settings.SANDBOX_PROVIDERS = True
    settings.ATTOM_API_KEY = "real-key"
    assert provider_mode("attom") == SANDBOX


def test_it_is_off_without_keys(settings):
    settings.SANDBOX_PROVIDERS = False
    settings.ATTOM_API_KEY = ""
    assert provider_mode("attom") == OFF
