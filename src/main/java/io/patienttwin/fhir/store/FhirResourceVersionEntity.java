package io.patienttwin.fhir.store;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;

/** One immutable version of a resource; a deletion is a version without a body. */
@Entity
@Table(name = "fhir_resource_version")
class FhirResourceVersionEntity extends PanacheEntityBase {

    @EmbeddedId
    Key key;

    @Column(name = "res_type", nullable = false)
    String type;

    @Column(name = "res_id", nullable = false)
    String resourceId;

    @Column(nullable = false)
    boolean deleted;

    @Column(name = "last_updated", nullable = false)
    Instant lastUpdated;

    @Column(nullable = false)
    String method;

    @Column(name = "patient_id")
    String patientId;

    @Column(name = "access_mask", nullable = false)
    long accessMask;

    String body;

    /** Primary key: the resource's pid and the version number. */
    @Embeddable
    static class Key implements Serializable {
        @Column(name = "resource_pid")
        Long resourcePid;

        @Column(name = "version")
        Long version;

        Key() {}

        Key(long resourcePid, long version) {
            this.resourcePid = resourcePid;
            this.version = version;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k
                    && Objects.equals(resourcePid, k.resourcePid)
                    && Objects.equals(version, k.version);
        }

        @Override
        public int hashCode() {
            return Objects.hash(resourcePid, version);
        }
    }
}
