package dev.wsroute.it;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;

import io.vertx.core.http.HttpServerRequest;

/** The embedding application's own endpoint: plain HTTP that no route claims lands here, through wsroute. */
@Path("/hello")
public class GreetingResource {

    @GET
    @Produces(MediaType.TEXT_PLAIN)
    public String hello(@HeaderParam("X-Forwarded-For") String forwardedFor) {
        return "hello from the app (forwarded for " + forwardedFor + ")";
    }

    /** The client as Quarkus works it out from the forwarding fields (quarkus.http.proxy.*): address, scheme, authority. */
    @GET
    @Path("/client")
    @Produces(MediaType.TEXT_PLAIN)
    public String client(@Context HttpServerRequest request) {
        return request.remoteAddress().host() + " " + request.scheme() + " " + request.authority();
    }
}
