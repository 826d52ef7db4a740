package org.opensearch.binaryembeddings.rest;

import org.opensearch.action.ActionType;
import org.opensearch.action.FailedNodeException;
import org.opensearch.action.support.ActionFilters;
import org.opensearch.action.support.nodes.BaseNodeResponse;
import org.opensearch.action.support.nodes.BaseNodesRequest;
import org.opensearch.action.support.nodes.BaseNodesResponse;
import org.opensearch.action.support.nodes.TransportNodesAction;
import org.opensearch.binaryembeddings.encoder.EncoderService;
import org.opensearch.binaryembeddings.encoder.EncoderSettings;
import org.opensearch.cluster.ClusterName;
import org.opensearch.cluster.node.DiscoveryNode;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.inject.Inject;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.ToXContentFragment;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.indices.IndicesService;
import org.opensearch.threadpool.ThreadPool;
import org.opensearch.threadpool.ThreadPoolStats;
import org.opensearch.transport.TransportRequest;
import org.opensearch.transport.TransportService;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-node statistics behind {@code GET _plugins/_binary_embeddings[/{nodeId}]/stats}: every selected node
 * answers with its encoder counters (per model texts, batches, latency; query cache hits, misses, evictions) and its two
 * inference lanes (threads, active, queue depth, rejected, completed); and per index with a {@code binary_embedding}
 * field, its vectors and the bytes of its vector files on that node ({@link IndexVectorStats}).
 */
public final class BinaryEmbeddingsStatsAction extends ActionType<BinaryEmbeddingsStatsAction.NodesResponse> {

    public static final String NAME = "cluster:monitor/binary_embeddings/stats";
    public static final BinaryEmbeddingsStatsAction INSTANCE = new BinaryEmbeddingsStatsAction();

    private BinaryEmbeddingsStatsAction() {
        super(NAME, NodesResponse::new);
    }

    /** Which nodes: ids, names, attributes or {@code _local}, {@code _all} as in {@code _nodes}. */
    public static final class NodesRequest extends BaseNodesRequest<NodesRequest> {
        public NodesRequest(String... nodeIds) {
            super(nodeIds);
        }

        public NodesRequest(StreamInput in) throws IOException {
            super(in);
        }
    }

    public static final class NodeRequest extends TransportRequest {
        public NodeRequest() {}

        public NodeRequest(StreamInput in) throws IOException {
            super(in);
        }
    }

    /** One node's statistics, as plain values (maps, numbers, strings). */
    public static final class NodeResponse extends BaseNodeResponse {
        private final Map<String, Object> stats;

        NodeResponse(DiscoveryNode node, Map<String, Object> stats) {
            super(node);
            this.stats = stats;
        }

        @SuppressWarnings("unchecked")
        NodeResponse(StreamInput in) throws IOException {
            super(in);
            this.stats = (Map<String, Object>) in.readGenericValue();
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            super.writeTo(out);
            out.writeGenericValue(stats);
        }

        public Map<String, Object> stats() {
            return stats;
        }
    }

    public static final class NodesResponse extends BaseNodesResponse<NodeResponse> implements ToXContentFragment {
        NodesResponse(StreamInput in) throws IOException {
            super(in);
        }

        NodesResponse(ClusterName clusterName, List<NodeResponse> nodes, List<FailedNodeException> failures) {
            super(clusterName, nodes, failures);
        }

        @Override
        protected List<NodeResponse> readNodesFrom(StreamInput in) throws IOException {
            return in.readList(NodeResponse::new);
        }

        @Override
        protected void writeNodesTo(StreamOutput out, List<NodeResponse> nodes) throws IOException {
            out.writeList(nodes);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder b, Params params) throws IOException {
            b.startObject("nodes");
            for (NodeResponse n : getNodes()) {
                b.startObject(n.getNode().getId());
                b.field("name", n.getNode().getName());
                for (Map.Entry<String, Object> e : n.stats().entrySet()) {
                    b.field(e.getKey(), e.getValue());
                }
                b.endObject();
            }
            return b.endObject();
        }
    }

    public static final class Transport extends TransportNodesAction<NodesRequest, NodesResponse, NodeRequest, NodeResponse> {

        private final EncoderService encoder;
        private final IndicesService indices;

        @Inject
        public Transport(
            ThreadPool threadPool,
            ClusterService clusterService,
            TransportService transportService,
            ActionFilters actionFilters,
            EncoderService encoder,
            IndicesService indices
        ) {
            super(
                NAME,
                threadPool,
                clusterService,
                transportService,
                actionFilters,
                NodesRequest::new,
                NodeRequest::new,
                ThreadPool.Names.MANAGEMENT,
                NodeResponse.class
            );
            this.encoder = encoder;
            this.indices = indices;
        }

        @Override
        protected NodesResponse newResponse(NodesRequest request, List<NodeResponse> responses, List<FailedNodeException> failures) {
            return new NodesResponse(clusterService.getClusterName(), responses, failures);
        }

        @Override
        protected NodeRequest newNodeRequest(NodesRequest request) {
            return new NodeRequest();
        }

        @Override
        protected NodeResponse newNodeResponse(StreamInput in) throws IOException {
            return new NodeResponse(in);
        }

        @Override
        protected NodeResponse nodeOperation(NodeRequest request) {
            Map<String, Object> stats = new LinkedHashMap<>(encoder.nodeStats());
            Map<String, Object> lanes = new LinkedHashMap<>();
            for (ThreadPoolStats.Stats s : threadPool.stats()) {
                String lane = s.getName().equals(EncoderSettings.QUERY_THREAD_POOL) ? "query"
                    : s.getName().equals(EncoderSettings.THREAD_POOL) ? "ingest"
                    : null;
                if (lane != null) {
                    Map<String, Object> one = new LinkedHashMap<>();
                    one.put("thread_pool", s.getName());
                    one.put("threads", s.getThreads());
                    one.put("active", s.getActive());
                    one.put("queue", s.getQueue());
                    one.put("rejected", s.getRejected());
                    one.put("completed", s.getCompleted());
                    lanes.put(lane, one);
                }
            }
            stats.put("lanes", lanes);
            stats.put("indices", IndexVectorStats.of(indices));
            return new NodeResponse(clusterService.localNode(), stats);
        }
    }
}
