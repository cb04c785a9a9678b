package dev.wsroute.operator.crd;

import dev.wsroute.api.RuleSpec;
import dev.wsroute.api.ServiceRefSpec;
import dev.wsroute.api.WebSocketRouteSpec;
import dev.wsroute.api.WebSocketRouteStatus;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.SchemaSwap;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * The WebSocketRoute custom resource (wsroute.dev/v1alpha1). Spec and status are the runtime's API classes, so
 * the routes file and the cluster share one wire format; this class only adds the Kubernetes identity.
 */
@Group(WebSocketRoute.GROUP)
@Version(WebSocketRoute.VERSION)
@Kind("WebSocketRoute")
@Plural("websocketroutes")
@ShortNames("wsr")
// the runtime's PortRef can't name fabric8's IntOrString (no Kubernetes classes there): swap the schema here
@SchemaSwap(originalType = ServiceRefSpec.class, fieldName = "port", targetType = IntOrString.class)
@SchemaSwap(originalType = RuleSpec.class, fieldName = "maxMessageSize", targetType = Quantity.class)
@AdditionalPrinterColumn(name = "Hosts", type = AdditionalPrinterColumn.Type.STRING, jsonPath = ".spec.hosts")
@AdditionalPrinterColumn(name = "Ready", type = AdditionalPrinterColumn.Type.STRING,
        jsonPath = ".status.conditions[?(@.type==\"Ready\")].status")
@AdditionalPrinterColumn(name = "Reason", type = AdditionalPrinterColumn.Type.STRING, priority = 1,
        jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason")
@AdditionalPrinterColumn(name = "Endpoints", type = AdditionalPrinterColumn.Type.INTEGER, jsonPath = ".status.endpoints")
@AdditionalPrinterColumn(name = "Age", type = AdditionalPrinterColumn.Type.DATE, jsonPath = ".metadata.creationTimestamp")
public class WebSocketRoute extends CustomResource<WebSocketRouteSpec, WebSocketRouteStatus> implements Namespaced {
    public static final String GROUP = "wsroute.dev";
    public static final String VERSION = "v1alpha1";
    public static final String CRD_NAME = "websocketroutes." + GROUP;
}
