package io.patienttwin.fhir;

import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r4.model.InstantType;

/**
 * One already-loaded page of a result set, with its offset and the exact total. HAPI builds the
 * self/next/previous links from the offset with {@code _offset}/{@code _count} on the original query,
 * so paging needs no server-side state and works across restarts and instances.
 */
final class PageBundleProvider implements ca.uhn.fhir.rest.api.server.IBundleProvider {

    private final List<IBaseResource> resources;
    private final int offset;
    private final int pageSize;
    private final Integer total;
    private final InstantType published = InstantType.now();

    /**
     * @param resources the page's matches followed by its included resources
     * @param total the number of matches of the whole query (not counting includes)
     */
    PageBundleProvider(List<IBaseResource> resources, int offset, int pageSize, long total) {
        this.resources = resources;
        this.offset = offset;
        this.pageSize = pageSize;
        this.total = Math.toIntExact(total);
    }

    @Override
    public List<IBaseResource> getResources(int fromIndex, int toIndex) {
        return resources;
    }

    @Override
    public Integer getCurrentPageOffset() {
        return offset;
    }

    @Override
    public Integer getCurrentPageSize() {
        return pageSize;
    }

    @Override
    public String getNextPageId() {
        return pageSize > 0 && offset + pageSize < total ? "next" : null;
    }

    @Override
    public String getPreviousPageId() {
        return offset > 0 && pageSize > 0 ? "previous" : null;
    }

    @Override
    public IPrimitiveType<java.util.Date> getPublished() {
        return published;
    }

    @Override
    public String getUuid() {
        return null;
    }

    @Override
    public Integer preferredPageSize() {
        return pageSize;
    }

    @Override
    public Integer size() {
        return total;
    }
}
