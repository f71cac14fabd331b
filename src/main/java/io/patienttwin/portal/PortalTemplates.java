package io.patienttwin.portal;

import io.quarkus.qute.Engine;
import io.quarkus.qute.HtmlEscaper;
import io.quarkus.qute.ReflectionValueResolver;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateLocator;
import io.quarkus.qute.ValueResolvers;
import io.quarkus.qute.Variant;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The portal's Qute engine: templates from {@code templates/portal/} on the class path, every value
 * HTML-escaped unless a template says {@code .raw}, values resolved by reflection (records, getters,
 * maps). Qute runs as a library (qute-core) rather than the quarkus-qute extension: that extension's dev
 * mode asks Maven for io.quarkus.qute:qute-debug, which Maven Central does not serve, so
 * {@code quarkus:dev} would not start. Cost of the choice: no build-time template checking; the
 * portal tests render every page.
 */
@ApplicationScoped
public class PortalTemplates {

    private static final String ROOT = "templates/portal/";

    private final Engine engine = Engine.builder()
            .addDefaults()
            .addValueResolver(new ReflectionValueResolver())
            .addValueResolver(ValueResolvers.rawResolver())
            .addResultMapper(new HtmlEscaper(List.of(Variant.TEXT_HTML)))
            .addLocator(PortalTemplates::locate)
            .strictRendering(true)
            .removeStandaloneLines(true)
            .build();

    /** Renders {@code templates/portal/<name>.html} with the given data. */
    public String render(String name, Map<String, Object> data) {
        Template template = engine.getTemplate(name);
        if (template == null) {
            throw new IllegalStateException("no portal template " + name);
        }
        return template.data(data).render();
    }

    private static Optional<TemplateLocator.TemplateLocation> locate(String id) {
        String path = ROOT + (id.endsWith(".html") ? id : id + ".html");
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader.getResource(path) == null) {
            return Optional.empty();
        }
        return Optional.of(new TemplateLocator.TemplateLocation() {
            @Override
            public Reader read() {
                InputStream in = loader.getResourceAsStream(path);
                return new InputStreamReader(in, StandardCharsets.UTF_8);
            }

            @Override
            public Optional<Variant> getVariant() {
                return Optional.of(Variant.forContentType(Variant.TEXT_HTML));
            }
        });
    }
}
