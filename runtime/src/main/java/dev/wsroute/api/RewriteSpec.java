package dev.wsroute.api;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class RewriteSpec {
    @JsonPropertyDescription("Path rewrite: replacePrefixMatch or replaceFullPath, not both.")
    public PathRewriteSpec path;

    @JsonPropertyDescription("Host header sent upstream.")
    public String hostname;

    @JsonPropertyDescription("Headers set (replaced) on the upstream request.")
    public List<HeaderSpec> setHeaders;

    @JsonPropertyDescription("Headers removed from the upstream request.")
    public List<String> removeHeaders;
}
