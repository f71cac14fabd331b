package io.patienttwin.device;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * {@code GET /api/devices/ingestion} for operators: whether this node is connected to the broker and
 * how many readings it has stored, found duplicate and refused (by reason) since it started.
 */
@Path("/api/devices")
public class DeviceStatusResource {

    private final DeviceIngestion ingestion;

    public DeviceStatusResource(DeviceIngestion ingestion) {
        this.ingestion = ingestion;
    }

    @GET
    @Path("ingestion")
    @RolesAllowed({"admin", "compliance-officer"})
    @Produces(MediaType.APPLICATION_JSON)
    public DeviceIngestion.Status ingestion() {
        return ingestion.status();
    }
}
