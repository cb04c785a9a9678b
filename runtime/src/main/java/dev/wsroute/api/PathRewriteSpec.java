package dev.wsroute.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_EMPTY)
@ValidationRule(value = "has(self.replacePrefixMatch) != has(self.replaceFullPath)",
        message = "exactly one of replacePrefixMatch or replaceFullPath")
public class PathRewriteSpec {
    @JsonPropertyDescription("Replaces the part of the path that a Prefix match matched.")
    public String replacePrefixMatch;

    @JsonPropertyDescription("Replaces the whole path (the query string is kept).")
    public String replaceFullPath;
}
