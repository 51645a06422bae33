import {
  asyncBufferFromFile,
  type FileMetaData,
  parquetMetadataAsync,
  parquetReadObjects,
  parquetSchema,
  type SchemaTree,
} from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { HubError } from "../http.js";
import { checkedFeatures, type Feature, type Features, value } from "./features.js";
import type { Row } from "./text-formats.js";

/**
 * Parquet data files, read with hyparquet (pure JavaScript, every codec through
 * hyparquet-compressors): the footer once per file content, then only the row range asked for,
 * so a 10 GB file costs a few reads of its footer and the pages holding those rows.
 */

const METADATA_CACHE = 64;
const metadataCache = new Map<string, Promise<FileMetaData>>();

const unreadable = (error: unknown): HubError =>
  new HubError(
    500,
    `The Parquet file could not be read: ${error instanceof Error ? error.message : String(error)}`,
    "DatasetGenerationError",
  );

/** The footer of the Parquet file at `path` (content `sha256`): row count, schema, key-value metadata. */
export function parquetMetadata(path: string, sha256: string): Promise<FileMetaData> {
  let cached = metadataCache.get(sha256);
  if (!cached) {
    cached = asyncBufferFromFile(path).then((file) => parquetMetadataAsync(file));
    cached.catch(() => metadataCache.delete(sha256));
    if (metadataCache.size >= METADATA_CACHE) metadataCache.delete(metadataCache.keys().next().value as string);
    metadataCache.set(sha256, cached);
  }
  return cached.catch((error: unknown) => {
    throw unreadable(error);
  });
}

/** The `datasets` feature of a schema node, from its physical and logical types. */
function featureOfNode(node: SchemaTree): Feature {
  const { element, children } = node;
  const logical = element.logical_type?.type ?? element.converted_type;
  if (logical === "LIST" && children[0]) {
    // LIST → repeated group `list` → `element` (or the legacy two-level form).
    const repeated = children[0];
    const item = repeated.children.length === 1 ? (repeated.children[0] as SchemaTree) : repeated;
    return { _type: "List", feature: featureOfNode(item) };
  }
  if (children.length > 0)
    return Object.fromEntries(children.map((child) => [child.element.name, featureOfNode(child)]));
  switch (logical) {
    case "STRING":
    case "UTF8":
    case "ENUM":
    case "JSON":
    case "UUID":
      return value("string");
    case "DATE":
      return value("date32");
    case "TIMESTAMP":
    case "TIMESTAMP_MILLIS":
    case "TIMESTAMP_MICROS":
      return value("timestamp[us]");
    case "DECIMAL":
      return value("float64");
  }
  switch (element.type) {
    case "BOOLEAN":
      return value("bool");
    case "INT32":
      return value("int32");
    case "INT64":
      return value("int64");
    case "FLOAT":
      return value("float32");
    case "DOUBLE":
      return value("float64");
    case "INT96":
      return value("timestamp[ns]");
    default:
      return value("binary");
  }
}

/** A file's features: those the `datasets` library stored in its `huggingface` metadata, else its schema's. */
export function parquetFeatures(metadata: FileMetaData): Features {
  const stored = metadata.key_value_metadata?.find((kv) => kv.key === "huggingface")?.value;
  if (stored && stored.length < 1024 * 1024) {
    try {
      const info = (JSON.parse(stored) as { info?: { features?: unknown } }).info;
      const features = checkedFeatures(info?.features);
      if (features && Object.keys(features).length) return features;
    } catch {
      // Not JSON: the schema says what the columns are.
    }
  }
  const schema = parquetSchema(metadata);
  return Object.fromEntries(schema.children.map((child) => [child.element.name, featureOfNode(child)]));
}

/** Rows `[start, end)` of a Parquet file, optionally only some columns. */
export async function readParquetRows(
  path: string,
  sha256: string,
  start: number,
  end: number,
  columns?: string[],
): Promise<Row[]> {
  const metadata = await parquetMetadata(path, sha256);
  try {
    const file = await asyncBufferFromFile(path);
    return (await parquetReadObjects({
      file,
      metadata,
      rowStart: start,
      rowEnd: end,
      compressors,
      // Only columns the file calls strings are text: an image's bytes stay bytes.
      utf8: false,
      ...(columns ? { columns } : {}),
    })) as Row[];
  } catch (error) {
    throw unreadable(error);
  }
}
