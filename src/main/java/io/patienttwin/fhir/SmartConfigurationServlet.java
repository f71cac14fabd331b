package io.patienttwin.fhir;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Serves {@code /fhir/.well-known/smart-configuration} (SMART App Launch 2.x): where to authorize and
 * get tokens, and which scopes and capabilities this server supports. Public, like /fhir/metadata.
 */
@WebServlet(urlPatterns = "/fhir/.well-known/smart-configuration")
public class SmartConfigurationServlet extends HttpServlet {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String issuer = ConfigProvider.getConfig()
                .getOptionalValue("quarkus.oidc.auth-server-url", String.class)
                .orElse("");
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("issuer", issuer);
        document.put("jwks_uri", issuer + "/protocol/openid-connect/certs");
        document.put("authorization_endpoint", issuer + "/protocol/openid-connect/auth");
        document.put("token_endpoint", issuer + "/protocol/openid-connect/token");
        document.put("grant_types_supported", List.of("authorization_code", "client_credentials"));
        document.put("token_endpoint_auth_methods_supported", List.of("client_secret_basic", "client_secret_post"));
        document.put("scopes_supported", List.of("openid", "fhirUser", "patient/*.rs", "user/*.rs", "system/*.cruds"));
        document.put("response_types_supported", List.of("code"));
        document.put("code_challenge_methods_supported", List.of("S256"));
        document.put(
                "capabilities",
                List.of(
                        "launch-standalone",
                        "client-public",
                        "client-confidential-symmetric",
                        "sso-openid-connect",
                        "context-standalone-patient",
                        "permission-patient",
                        "permission-user",
                        "permission-v1",
                        "permission-v2"));
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        JSON.writeValue(response.getOutputStream(), document);
    }
}
