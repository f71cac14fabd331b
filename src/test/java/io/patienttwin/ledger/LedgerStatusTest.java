package io.patienttwin.ledger;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;

import io.patienttwin.identity.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** The ledger's status endpoint and readiness entry, against the test chain. */
@QuarkusTest
class LedgerStatusTest {

    @Test
    void aComplianceOfficerSeesTheChainTheContractsAndTheHeadBlock() {
        given().auth()
                .oauth2(Tokens.carol())
                .get("/api/ledger/status")
                .then()
                .statusCode(200)
                .body("chainId", equalTo(1337))
                .body("genesisHash", startsWith("0x"))
                .body("contracts.ConsentRegistry", startsWith("0x"))
                .body("contracts.AuditAnchor", startsWith("0x"))
                .body("headBlock", greaterThanOrEqualTo(2));
    }

    @Test
    void cliniciansPatientsAndSystemsMayNotAndStrangersMustLogIn() {
        given().auth().oauth2(Tokens.alice()).get("/api/ledger/status").then().statusCode(403);
        given().auth().oauth2(Tokens.pat()).get("/api/ledger/status").then().statusCode(403);
        given().auth()
                .oauth2(Tokens.ehrSystem())
                .get("/api/ledger/status")
                .then()
                .statusCode(403);
        given().get("/api/ledger/status").then().statusCode(401);
    }

    @Test
    void readinessReportsTheReachableChain() {
        given().get("/q/health/ready")
                .then()
                .statusCode(200)
                .body("checks.name", hasItem("ledger"))
                .body("checks.find { it.name == 'ledger' }.data.chainReachable", equalTo(true))
                .body("checks.find { it.name == 'ledger' }.data.chainId", equalTo(1337));
    }
}
