// Run by ConfluentClientInteropTest: Confluent's JavaScript Schema Registry client and Avro serdes
// against the registry at argv[2]. Prints one JSON object per line for the Java side to check.
const { SchemaRegistryClient, SerdeType, AvroSerializer, AvroDeserializer } = require('@confluentinc/schemaregistry');

const [url, topic, v1Text, v2Text, badText, fromJava] = process.argv.slice(2);
const subject = topic + '-value';
const out = (o) => console.log(JSON.stringify(o));

(async () => {
  const registry = new SchemaRegistryClient({ baseURLs: [url] });
  const v1 = await registry.register(subject, { schemaType: 'AVRO', schema: v1Text });
  out({ step: 'register', version: 1, id: v1 });
  const ser1 = new AvroSerializer(registry, SerdeType.VALUE, { useLatestVersion: true });
  const r1 = { payment_id: 'p-1', amount: 12.5, country: 'FR' };
  out({ step: 'serialize', record: r1, bytes: (await ser1.serialize(topic, r1)).toString('base64') });

  const v2 = await registry.register(subject, { schemaType: 'AVRO', schema: v2Text });
  out({ step: 'register', version: 2, id: v2 });
  const ser2 = new AvroSerializer(registry, SerdeType.VALUE, { useSchemaId: v2 });
  const r2 = { payment_id: 'p-2', amount: 7.25, country: 'DE', channel: 'app' };
  out({ step: 'serialize', record: r2, bytes: (await ser2.serialize(topic, r2)).toString('base64') });

  try {
    await registry.register(subject, { schemaType: 'AVRO', schema: badText });
    out({ step: 'incompatible', refused: false });
  } catch (e) {
    out({ step: 'incompatible', refused: true, status: e.status, code: e.errorCode, message: e.message });
  }

  const deser = new AvroDeserializer(registry, SerdeType.VALUE, {});
  const decoded = await deser.deserialize(topic, Buffer.from(fromJava, 'base64'));
  out({ step: 'deserialize', record: decoded });
})().catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
