package dev.tessera.schemas;

import org.apache.avro.Schema;

/** Payment schemas of a producer's evolution, for the tests. */
final class Schemas {
    private Schemas() {
    }

    static Schema record(String fields) {
        return new Schema.Parser().parse("{\"type\": \"record\", \"name\": \"Payment\", \"namespace\": \"com.acme\","
                + " \"fields\": [" + fields + "]}");
    }

    static final String ID = "{\"name\": \"payment_id\", \"type\": \"string\"}";
    static final String AMOUNT = "{\"name\": \"amount\", \"type\": \"double\"}";
    static final String COUNTRY = "{\"name\": \"country\", \"type\": \"string\"}";

    /** v1: id, amount, country. */
    static final Schema V1 = record(ID + ", " + AMOUNT + ", " + COUNTRY);
    /** v2: a field added with a default (compatible every way). */
    static final Schema V2_ADDED_WITH_DEFAULT = record(ID + ", " + AMOUNT + ", " + COUNTRY
            + ", {\"name\": \"channel\", \"type\": [\"null\", \"string\"], \"default\": null}");
    /** A field added without a default: new readers cannot read v1's records. */
    static final Schema ADDED_WITHOUT_DEFAULT = record(ID + ", " + AMOUNT + ", " + COUNTRY
            + ", {\"name\": \"channel\", \"type\": \"string\"}");
    /** country removed (it had no default): old readers cannot read the new records. */
    static final Schema REMOVED_COUNTRY = record(ID + ", " + AMOUNT);
    /** country renamed to billing_country with an alias: new readers read v1; v1 readers lack country. */
    static final Schema RENAMED_COUNTRY = record(ID + ", " + AMOUNT
            + ", {\"name\": \"billing_country\", \"type\": \"string\", \"aliases\": [\"country\"]}");
    /** amount as a string: nobody reads the other. */
    static final Schema AMOUNT_AS_STRING = record(ID + ", {\"name\": \"amount\", \"type\": \"string\"}, " + COUNTRY);
}
