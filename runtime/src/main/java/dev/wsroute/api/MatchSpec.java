package dev.wsroute.api;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class MatchSpec {
    @JsonPropertyDescription("Path match; absent: any path.")
    public PathMatchSpec path;

    @JsonPropertyDescription("Headers that must all match.")
    public List<ValueMatchSpec> headers;

    @JsonPropertyDescription("Query parameters that must all match.")
    public List<ValueMatchSpec> queryParams;

    @JsonPropertyDescription("Matches when the client offers any of these subprotocols (Sec-WebSocket-Protocol).")
    public List<String> subprotocols;
}
