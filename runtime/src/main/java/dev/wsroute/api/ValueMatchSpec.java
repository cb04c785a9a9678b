package dev.wsroute.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Required;

/** A name and a value to match, for a header or a query parameter. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class ValueMatchSpec {
    @JsonPropertyDescription("Header or query parameter name (headers are case-insensitive).")
    @Required
    public String name;

    @JsonPropertyDescription("The value, or a regular expression over the whole value.")
    @Required
    public String value;

    @JsonPropertyDescription("Exact (default) or RegularExpression.")
    public ValueMatchType type;

    public enum ValueMatchType { Exact, RegularExpression }
}
