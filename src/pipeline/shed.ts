/** Cheap checks on what a request declares, before any body byte is read or any key is used. */
import type { CompiledRoute } from "../config/compile";
import { mediaType } from "../lib/headers";
import type { Rejection } from "../lib/rejection";

export function shedByShape(route: CompiledRoute, request: Request): Rejection | null {
  const limits = route.config.limits;
  if (!route.allowedMethods.includes(request.method)) return { code: "method_not_allowed", allow: route.allowedMethods };
  // A handshake's own method (Meta's GET, Mandrill's HEAD) carries no body to type-check.
  if (limits.contentTypes && limits.methods.includes(request.method)) {
    const type = mediaType(request.headers.get("content-type"));
    if (type === null || !limits.contentTypes.includes(type)) return { code: "unsupported_media_type" };
  }
  // A declared length is trusted only to refuse early; the body reader still counts real bytes.
  const declared = request.headers.get("content-length");
  if (declared !== null && /^[0-9]{1,16}$/.test(declared) && Number(declared) > limits.maxBodyBytes) {
    return { code: "payload_too_large", limitBytes: limits.maxBodyBytes };
  }
  return null;
}
