package dev.rampart;

/** The policy's block page for one event: status, content type and body. */
public final class BlockResponse {
    private final int status;
    private final String contentType;
    private final String body;

    BlockResponse(int status, String contentType, String body) {
        this.status = status;
        this.contentType = contentType;
        this.body = body;
    }

    public int status() {
        return status;
    }

    public String contentType() {
        return contentType;
    }

    /** UTF-8 text with the event id filled in. */
    public String body() {
        return body;
    }
}
