package io.patienttwin.device;

import io.patienttwin.localstack.MosquittoTestResource;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;

/** The test profile with device ingestion on, against the test broker ({@link MosquittoTestResource}). */
public class WithDevices implements QuarkusTestProfile {
    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(MosquittoTestResource.class));
    }
}
