from providers.modes import OFF, SANDBOX, provider_mode


def test_it_prefers_sandbox_over_keys(settings):
    settings.SANDBOX_PROVIDERS = True
    settings.ATTOM_API_KEY = "real-key"
    assert provider_mode("attom") == SANDBOX


def test_it_is_off_without_keys(settings):
    settings.SANDBOX_PROVIDERS = False
    settings.ATTOM_API_KEY = ""
    assert provider_mode("attom") == OFF


def test_a_fault_rate_serves_about_that_share_of_requests_and_repeats():
    from providers.sandbox import faults

    def run() -> list[str]:
        faults.clear()
        faults.inject_rate("batch", 0.3, seed=7)
        taken = [faults.take("batch") for _ in range(2_000)]
        return [fault.kind if fault else "" for fault in taken]

    first = run()
    served = sum(1 for kind in first if kind)
    assert 500 < served < 700
    assert set(first) - {""} == set(faults.RATE_KINDS)
    assert run() == first  # seeded
    faults.clear()
    assert faults.take("batch") is None
