package dev.wsroute.it;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** The embedding application's own endpoint: plain HTTP that no route claims lands here, through wsroute. */
@Path("/hello")
public class GreetingResource {

    @GET
    @Produces(MediaType.TEXT_PLAIN)
    public String hello(@HeaderParam("X-Forwarded-For") String forwardedFor) {
        return "hello from the app (forwarded for " + forwardedFor + ")";
    }
}
