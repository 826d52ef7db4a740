package org.opensearch.binaryembeddings;

import org.opensearch.plugins.Plugin;
import org.opensearch.plugins.PluginsService;
import org.opensearch.test.OpenSearchIntegTestCase;

import java.util.Collection;
import java.util.List;

@OpenSearchIntegTestCase.ClusterScope(scope = OpenSearchIntegTestCase.Scope.TEST, numDataNodes = 2, numClientNodes = 0, supportsDedicatedMasters = false)
public class PluginLoadsClusterTests extends OpenSearchIntegTestCase {

    @Override
    protected Collection<Class<? extends Plugin>> nodePlugins() {
        return List.of(BinaryEmbeddingsPlugin.class);
    }

    public void testEveryNodeLoadsThePlugin() {
        int nodes = 0;
        for (PluginsService plugins : internalCluster().getInstances(PluginsService.class)) {
            assertEquals(1, plugins.filterPlugins(BinaryEmbeddingsPlugin.class).size());
            nodes++;
        }
        assertEquals(2, nodes);
    }
}
