package org.opensearch.binaryembeddings;

import org.opensearch.binaryembeddings.testsupport.PluginIntegTestCase;
import org.opensearch.plugins.PluginsService;
import org.opensearch.test.OpenSearchIntegTestCase;


@OpenSearchIntegTestCase.ClusterScope(scope = OpenSearchIntegTestCase.Scope.TEST, numDataNodes = 2, numClientNodes = 0, supportsDedicatedMasters = false)
public class PluginLoadsClusterTests extends PluginIntegTestCase {

    public void testEveryNodeLoadsThePlugin() {
        int nodes = 0;
        for (PluginsService plugins : internalCluster().getInstances(PluginsService.class)) {
            assertEquals(1, plugins.filterPlugins(BinaryEmbeddingsPlugin.class).size());
            nodes++;
        }
        assertEquals(2, nodes);
    }
}
