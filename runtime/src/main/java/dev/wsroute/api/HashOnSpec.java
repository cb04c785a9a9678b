package dev.wsroute.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class HashOnSpec {
    public String header;
    public String cookie;
    public String queryParam;
    @JsonProperty("sourceIP")
    public Boolean sourceIP;
}
