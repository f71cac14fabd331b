package io.patienttwin.fhir.store;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;
import java.time.Instant;

/** The current state of one logical resource (type + id); its body lives in its current version. */
@Entity
@Table(name = "fhir_resource")
class FhirResourceEntity extends PanacheEntityBase {

    @Id
    @SequenceGenerator(name = "fhir_resource_seq", sequenceName = "fhir_resource_seq", allocationSize = 50)
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "fhir_resource_seq")
    Long pid;

    @Column(name = "res_type", nullable = false)
    String type;

    @Column(name = "res_id", nullable = false)
    String resourceId;

    @Column(nullable = false)
    long version;

    @Column(nullable = false)
    boolean deleted;

    @Column(name = "last_updated", nullable = false)
    Instant lastUpdated;

    @Column(name = "patient_id")
    String patientId;

    String category;

    @Column(name = "security_labels")
    String securityLabels;

    /** For a Patient, the id of its managing Organization, or null. */
    @Column(name = "managing_org")
    String managingOrganization;

    /** The bits a consent must cover to reach this resource (policy.Sensitivity); 0 outside a compartment. */
    @Column(name = "access_mask", nullable = false)
    long accessMask;
}
