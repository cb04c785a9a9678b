package dev.wsroute.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_EMPTY)
@ValidationRule(value = "[has(self.header), has(self.cookie), has(self.queryParam), has(self.sourceIP) && self.sourceIP]"
        + ".filter(x, x).size() == 1", message = "exactly one of header, cookie, queryParam or sourceIP")
public class HashOnSpec {
    public String header;
    public String cookie;
    public String queryParam;
    @JsonProperty("sourceIP")
    public Boolean sourceIP;
}
