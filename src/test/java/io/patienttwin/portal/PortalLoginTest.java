package io.patienttwin.portal;

import static org.assertj.core.api.Assertions.assertThat;

import io.patienttwin.identity.CodeFlowLogin;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The portal's OIDC code flow with PKCE through Keycloak's real login form, for each dev user. The
 * app is addressed as 127.0.0.1, the loopback host the realm accepts redirects to on any port.
 */
@QuarkusTest
class PortalLoginTest {

    @TestHTTPResource("/portal/me")
    URL me;

    private String page() {
        return me.toString().replace("localhost", "127.0.0.1");
    }

    @ParameterizedTest
    @CsvSource({
        "alice, Practitioner/alice, clinician",
        "bob, Practitioner/bob, clinician",
        "carol, none, compliance-officer",
        "pat, Patient/pat, patient"
    })
    void eachUserLogsInThroughKeycloakAndSeesWhoIsSignedIn(String user, String fhirUser, String role) throws Exception {
        HttpResponse<String> response = new CodeFlowLogin().open(page(), user, user);

        assertThat(response.statusCode())
                .as("%s%n%s", response.uri(), response.body())
                .isEqualTo(200);
        assertThat(response.uri().toString()).isEqualTo(page());
        assertThat(response.body())
                .contains("(" + user + ")")
                .contains("<dd id=\"fhir-user\">" + fhirUser + "</dd>")
                .contains(role);
    }

    @Test
    void aWrongPasswordNeverReachesThePortal() throws Exception {
        HttpResponse<String> response = new CodeFlowLogin().open(page(), "alice", "not-alice");

        assertThat(response.uri().toString()).doesNotStartWith(page());
        assertThat(response.body()).contains("kc-form-login").doesNotContain("Signed in as");
    }

    @Test
    void theSessionCookieKeepsTheUserSignedInOnTheNextPage() throws Exception {
        CodeFlowLogin browser = new CodeFlowLogin();
        browser.open(page(), "bob", "bob");

        HttpResponse<String> again = browser.get(page());

        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body()).contains("(bob)");
    }

    @Test
    void aPortalSessionCookieAuthenticatesNeitherTheFhirApiNorTheJsonApi() throws Exception {
        CodeFlowLogin browser = new CodeFlowLogin();
        browser.open(page(), "alice", "alice");
        String base = page().substring(0, page().indexOf("/portal/"));

        for (String path : List.of("/fhir/Patient?_count=1", "/api/me", "/api/access-grants")) {
            HttpResponse<String> answer = browser.get(base + path);
            assertThat(answer.statusCode())
                    .as("%s with only the portal's session cookie: %s", path, answer.body())
                    .isEqualTo(401);
        }
        assertThat(browser.get(page()).statusCode())
                .as("the portal itself still")
                .isEqualTo(200);
    }

    @Test
    void aLinkToTheSignOutAddressSignsNobodyOut() throws Exception {
        CodeFlowLogin browser = new CodeFlowLogin();
        browser.open(page(), "bob", "bob");

        HttpResponse<String> link = browser.get(base() + "/portal/logout");

        assertThat(link.statusCode()).as(link.body()).isEqualTo(405);
        assertThat(link.headers().firstValue("Allow")).hasValue("POST");
        assertThat(browser.get(page()).body()).as("still signed in").contains("(bob)");
    }

    @Test
    void aSignOutPostWithoutThePagesCsrfTokenIsRefused() throws Exception {
        CodeFlowLogin browser = new CodeFlowLogin();
        browser.open(page(), "bob", "bob");

        HttpResponse<String> forged = browser.post(base() + "/portal/logout", "csrf-token=forged");
        HttpResponse<String> none = browser.post(base() + "/portal/logout", "");

        assertThat(forged.statusCode()).as(forged.body()).isEqualTo(403);
        assertThat(none.statusCode()).as(none.body()).isEqualTo(403);
        assertThat(browser.get(page()).body()).as("still signed in").contains("(bob)");
    }

    @Test
    void theSignOutFormEndsTheSessionHereAndAtKeycloak() throws Exception {
        CodeFlowLogin browser = new CodeFlowLogin();
        HttpResponse<String> signedIn = browser.open(page(), "alice", "alice");
        Matcher token =
                Pattern.compile("name=\"csrf-token\" value=\"([^\"]+)\"").matcher(signedIn.body());
        assertThat(token.find())
                .as("the page's sign-out form carries the CSRF token")
                .isTrue();

        HttpResponse<String> out = browser.post(base() + "/portal/logout", "csrf-token=" + token.group(1));

        assertThat(out.body())
                .as("after Keycloak's end-session, %s asks for a login again", out.uri())
                .contains("kc-form-login")
                .doesNotContain("Signed in as");
        HttpResponse<String> again = browser.get(page());
        assertThat(again.body())
                .as("no session left here or at Keycloak: the login form, not the page")
                .contains("kc-form-login")
                .doesNotContain("Signed in as");
    }

    private String base() {
        return page().substring(0, page().indexOf("/portal/"));
    }
}
