package dev.wsroute.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Required;

@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class PathMatchSpec {
    @JsonPropertyDescription("Exact, Prefix (by path segment) or RegularExpression; default Prefix.")
    public PathMatchType type;

    @JsonPropertyDescription("The path, starting with '/', or a regular expression over the whole path.")
    @Required
    public String value;

    public enum PathMatchType { Exact, Prefix, RegularExpression }
}
