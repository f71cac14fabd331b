package io.patienttwin.portal;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Page;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** alice signs in to the portal in a real browser, through Keycloak's login page. */
@QuarkusTest
class PortalBrowserLoginTest {

    private static Browser browser;

    @TestHTTPResource("/portal/me")
    URL me;

    @BeforeAll
    static void openBrowser() {
        browser = new Browser();
    }

    @AfterAll
    static void closeBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    void aliceSignsInThroughKeycloakAndThePortalShowsHer() {
        String portal = me.toString().replace("localhost", "127.0.0.1");
        Page page = browser.newPage();

        page.navigate(portal);
        page.waitForSelector("#kc-form-login");
        Browser.screenshot(page, "keycloak-login");
        page.fill("#username", "alice");
        page.fill("#password", "alice");
        page.click("#kc-login");
        page.waitForURL(portal);
        Browser.screenshot(page, "portal-me");

        assertThat(page.textContent("#signed-in-as")).contains("(alice)");
        assertThat(page.textContent("#fhir-user")).isEqualTo("Practitioner/alice");
        assertThat(page.textContent("#roles")).contains("clinician").contains("break-glass");
    }
}
