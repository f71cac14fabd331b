package io.patienttwin.fhir;

import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.parser.IParserErrorHandler;
import ca.uhn.fhir.parser.json.BaseJsonLikeValue.ScalarType;
import ca.uhn.fhir.parser.json.BaseJsonLikeValue.ValueType;

/**
 * How the FHIR endpoint parses what clients send: strictly, so that a careless client hears of its
 * mistake (400 naming the element) instead of seeing a 201 for a resource that silently lost data. An
 * unknown element or attribute, a value of the wrong JSON type ({@code "name": "John"}), a repeated
 * element that cannot repeat, an invalid primitive value, a contained resource without an id and a
 * reference to a contained resource that is not there are errors. A missing required element is not
 * a parse error: it is the validator's finding ({@code $validate}, {@code twin.fhir.validate-on-write}).
 * Stored resources are read with the application's lenient parser.
 */
final class RequestParseErrors implements IParserErrorHandler {

    @Override
    public void containedResourceWithNoId(IParseLocation location) {
        throw error(location, "a contained resource has no id");
    }

    @Override
    public void incorrectJsonType(
            IParseLocation location,
            String elementName,
            ValueType expected,
            ScalarType expectedScalar,
            ValueType found,
            ScalarType foundScalar) {
        throw error(
                location,
                "element '" + elementName + "' must be " + describe(expected, expectedScalar) + ", not "
                        + describe(found, foundScalar));
    }

    @Override
    public void invalidValue(IParseLocation location, String value, String error) {
        throw error(location, "invalid value" + (value == null ? "" : " '" + shorten(value) + "'") + ": " + error);
    }

    @Override
    public void missingRequiredElement(IParseLocation location, String elementName) {
        // the validator's concern, not the parser's
    }

    @Override
    public void unexpectedRepeatingElement(IParseLocation location, String elementName) {
        throw error(location, "element '" + elementName + "' cannot repeat");
    }

    @Override
    public void unknownAttribute(IParseLocation location, String attributeName) {
        throw error(location, "unknown attribute '" + attributeName + "'");
    }

    @Override
    public void unknownElement(IParseLocation location, String elementName) {
        throw error(location, "unknown element '" + elementName + "'");
    }

    @Override
    public void unknownReference(IParseLocation location, String reference) {
        throw error(location, "reference '" + shorten(reference) + "' names no contained resource");
    }

    @Override
    public void invalidInternalReference(IParseLocation location, String reference) {
        throw error(location, "reference '" + shorten(reference) + "' names no contained resource");
    }

    @Override
    public void extensionContainsValueAndNestedExtensions(IParseLocation location) {
        throw error(location, "an extension has both a value and nested extensions");
    }

    private static DataFormatException error(IParseLocation location, String problem) {
        String where = location == null || location.getParentElementName() == null
                ? ""
                : " (in " + location.getParentElementName() + ")";
        return new DataFormatException("PT-FHIR-400-PARSE: " + problem + where);
    }

    private static String describe(ValueType type, ScalarType scalar) {
        return type == ValueType.SCALAR && scalar != null
                ? "a " + scalar.name().toLowerCase()
                : "an " + type.name().toLowerCase();
    }

    private static String shorten(String value) {
        return value.length() > 80 ? value.substring(0, 80) + "…" : value;
    }
}
