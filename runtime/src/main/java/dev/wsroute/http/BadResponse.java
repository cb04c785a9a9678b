package dev.wsroute.http;

/**
 * An upstream answer the proxy will not relay: a head it cannot read unambiguously (two framings, two different
 * lengths, a folded line, over the size limit) or a body whose chunked framing breaks. Before anything of the answer
 * reached the client it becomes a 502; after, the client connection is closed. Either way the upstream connection
 * is closed, so nothing left in it can be read as a later answer.
 */
public final class BadResponse extends Exception {
    public BadResponse(String reason) {
        super(reason, null, false, false); // no stack trace: a bad answer is input, not a bug
    }
}
