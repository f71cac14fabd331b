package io.patienttwin.device;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.patienttwin.localstack.MosquittoTestResource;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** A blocking MQTT 3.1.1 client of the test broker: a device that publishes, or the operator that reads dead letters. */
public final class MqttTestClient implements AutoCloseable {

    private final Vertx vertx = Vertx.vertx();
    private final MqttClient client;
    public final List<String> received = new CopyOnWriteArrayList<>();

    private MqttTestClient(String user) throws Exception {
        client = MqttClient.create(
                vertx,
                new MqttClientOptions()
                        .setClientId(user + "-" + UUID.randomUUID().toString().substring(0, 8))
                        .setUsername(user)
                        .setPassword(MosquittoTestResource.password(user))
                        .setMaxInflightQueue(1000));
        client.publishHandler(message -> received.add(message.payload().toString(StandardCharsets.UTF_8)));
        client.connect(MosquittoTestResource.port(), "127.0.0.1")
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
    }

    public static MqttTestClient as(String user) throws Exception {
        return new MqttTestClient(user);
    }

    /** Publishes with QoS 1 and waits until the broker has acknowledged it. */
    public void publish(String topic, String payload) throws Exception {
        java.util.concurrent.CompletableFuture<Void> acked = new java.util.concurrent.CompletableFuture<>();
        client.publishCompletionHandler(id -> acked.complete(null));
        client.publish(topic, Buffer.buffer(payload), MqttQoS.AT_LEAST_ONCE, false, false)
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        acked.get(10, TimeUnit.SECONDS);
    }

    public void subscribe(String topic) throws Exception {
        client.subscribe(topic, 1).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        if (client.isConnected()) {
            client.disconnect().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
