package org.opensearch.binaryembeddings.rest;

import org.opensearch.core.common.Strings;
import org.opensearch.rest.BaseRestHandler;
import org.opensearch.rest.RestRequest;
import org.opensearch.rest.action.RestActions;
import org.opensearch.transport.client.node.NodeClient;

import java.util.List;

import static org.opensearch.rest.RestRequest.Method.GET;

/**
 * {@code GET /_plugins/_binary_embeddings/stats} and {@code GET /_plugins/_binary_embeddings/{node_id}/stats}: the
 * encoder statistics of every node, or of the nodes {@code node_id} selects ({@code _local}, ids, names, attributes,
 * comma-separated, as for {@code _nodes}). The response has the {@code _nodes} header of other nodes APIs.
 */
public class RestStatsAction extends BaseRestHandler {

    @Override
    public String getName() {
        return "binary_embeddings_stats";
    }

    @Override
    public List<Route> routes() {
        return List.of(new Route(GET, "/_plugins/_binary_embeddings/stats"), new Route(GET, "/_plugins/_binary_embeddings/{node_id}/stats"));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
        String[] nodes = Strings.splitStringByCommaToArray(request.param("node_id"));
        BinaryEmbeddingsStatsAction.NodesRequest nodesRequest = new BinaryEmbeddingsStatsAction.NodesRequest(nodes);
        nodesRequest.timeout(request.param("timeout"));
        return channel -> client.execute(BinaryEmbeddingsStatsAction.INSTANCE, nodesRequest, new RestActions.NodesResponseRestListener<>(channel));
    }
}
