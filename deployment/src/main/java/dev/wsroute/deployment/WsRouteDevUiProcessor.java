package dev.wsroute.deployment;

import dev.wsroute.runtime.WsRouteDevUiService;
import io.quarkus.deployment.IsDevelopment;
import io.quarkus.deployment.annotations.BuildProducer;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.deployment.builditem.AdditionalIndexedClassesBuildItem;
import io.quarkus.devui.spi.JsonRPCProvidersBuildItem;
import io.quarkus.devui.spi.page.CardPageBuildItem;
import io.quarkus.devui.spi.page.Page;

/** Dev UI: a wsroute card with the listener's address, the routes in force and the open WebSockets, live. */
class WsRouteDevUiProcessor {

    @BuildStep(onlyIf = IsDevelopment.class)
    void card(BuildProducer<CardPageBuildItem> cards, BuildProducer<JsonRPCProvidersBuildItem> rpc,
            BuildProducer<AdditionalIndexedClassesBuildItem> index) {
        CardPageBuildItem card = new CardPageBuildItem();
        card.addPage(Page.externalPageBuilder("Listener")
                .icon("font-awesome-solid:door-open")
                .dynamicUrlJsonRPCMethodName("listenerUrl")
                .dynamicLabelJsonRPCMethodName("listenerUrl")
                .doNotEmbed());
        card.addPage(Page.externalPageBuilder("Routes in force")
                .icon("font-awesome-solid:route")
                .dynamicUrlJsonRPCMethodName("listenerUrl")
                .dynamicLabelJsonRPCMethodName("routes")
                .doNotEmbed());
        card.addPage(Page.externalPageBuilder("Open WebSockets")
                .icon("font-awesome-solid:plug")
                .dynamicUrlJsonRPCMethodName("listenerUrl")
                .dynamicLabelJsonRPCMethodName("openWebSockets")
                .doNotEmbed());
        cards.produce(card);
        rpc.produce(new JsonRPCProvidersBuildItem(WsRouteDevUiService.class));
        // the Dev UI finds the service's methods in the index, and the extension's runtime jar is not indexed
        index.produce(new AdditionalIndexedClassesBuildItem(WsRouteDevUiService.class.getName()));
    }
}
