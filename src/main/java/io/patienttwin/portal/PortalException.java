package io.patienttwin.portal;

/** An answer of the portal other than the page asked for: status, a title and a sentence for people. */
public class PortalException extends RuntimeException {

    private final int status;
    private final String title;

    public PortalException(int status, String title, String detail) {
        super(detail);
        this.status = status;
        this.title = title;
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }
}
