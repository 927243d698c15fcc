/// The OpenAPI 3.1 document of the HTTP API, served at `/api/v1/openapi.json`. Hand-maintained: a route
/// added to `HTTPAPI` is added here too; the contract test (Tests/HTTPTests, schemathesis) checks the
/// server against it.
enum OpenAPIDocument {
    static let json = #"""
        {
         "openapi": "3.1.0",
         "info": {
          "title": "Plexus broker HTTP API",
          "version": "1.0.0",
          "description": "The broker's management API (docs/HTTP.md). Every route sends the CLI's control commands; errors are RFC 9457 problems."
         },
         "servers": [
          {
           "url": "/"
          }
         ],
         "security": [
          {
           "bearer": []
          },
          {
           "session": []
          },
          {}
         ],
         "components": {
          "securitySchemes": {
           "bearer": {
            "type": "http",
            "scheme": "bearer"
           },
           "session": {
            "type": "apiKey",
            "in": "cookie",
            "name": "plexus_session"
           }
          },
          "schemas": {
           "Problem": {
            "type": "object",
            "required": [
             "type",
             "title",
             "status",
             "detail",
             "code"
            ],
            "properties": {
             "type": {
              "type": "string"
             },
             "title": {
              "type": "string"
             },
             "status": {
              "type": "integer"
             },
             "detail": {
              "type": "string"
             },
             "code": {
              "type": "integer",
              "description": "the broker's ProtocolError code"
             },
             "error": {
              "type": "string"
             },
             "details": {}
            }
           },
           "Page": {
            "type": "object",
            "required": [
             "items",
             "page"
            ],
            "properties": {
             "items": {
              "type": "array"
             },
             "page": {
              "type": [
               "object",
               "null"
              ],
              "properties": {
               "total": {
                "type": "integer"
               },
               "offset": {
                "type": "integer"
               },
               "returned": {
                "type": "integer"
               },
               "next_offset": {
                "type": [
                 "integer",
                 "null"
                ]
               }
              }
             }
            }
           },
           "Health": {
            "type": "object",
            "required": [
             "status"
            ],
            "properties": {
             "status": {
              "type": "string"
             },
             "ready": {
              "type": "boolean"
             },
             "reasons": {
              "type": "array",
              "items": {
               "type": "string"
              }
             },
             "uptime_s": {
              "type": "number"
             },
             "broker": {
              "type": "string"
             }
            }
           },
           "Session": {
            "type": "object",
            "required": [
             "name",
             "via",
             "tokens"
            ],
            "properties": {
             "name": {
              "type": "string"
             },
             "role": {
              "type": [
               "string",
               "null"
              ]
             },
             "via": {
              "type": "string"
             },
             "tokens": {
              "type": "boolean"
             }
            }
           },
           "Overview": {
            "type": "object",
            "required": [
             "ping",
             "stats",
             "discover"
            ],
            "properties": {
             "ping": {
              "type": "object"
             },
             "stats": {
              "type": "object"
             },
             "discover": {
              "type": "object"
             }
            }
           },
           "Plugin": {
            "type": "object",
            "required": [
             "name",
             "instances"
            ],
            "properties": {
             "name": {
              "type": "string"
             },
             "instances": {
              "type": "array",
              "items": {
               "type": "object"
              }
             }
            }
           },
           "Logs": {
            "type": "object",
            "required": [
             "lines",
             "next"
            ],
            "properties": {
             "lines": {
              "type": "array",
              "items": {
               "type": "object"
              }
             },
             "next": {
              "type": "integer"
             }
            }
           },
           "TopologyFile": {
            "type": "object",
            "properties": {
             "path": {
              "type": "string"
             },
             "yaml": {
              "type": "string"
             }
            }
           },
           "Plan": {
            "type": "object",
            "properties": {
             "start": {
              "type": "array"
             },
             "stop": {
              "type": "array"
             },
             "restart": {
              "type": "array"
             },
             "reload": {
              "type": "array"
             },
             "unchanged": {
              "type": "array"
             },
             "notes": {
              "type": "array"
             }
            }
           },
           "Seq": {
            "type": "object",
            "required": [
             "seq"
            ],
            "properties": {
             "seq": {
              "type": "integer"
             }
            }
           },
           "Event": {
            "type": "object",
            "required": [
             "topic",
             "seq",
             "time",
             "payload",
             "payload_encoding"
            ],
            "properties": {
             "topic": {
              "type": "string"
             },
             "seq": {
              "type": "integer"
             },
             "time": {
              "type": "integer"
             },
             "source": {
              "type": "string"
             },
             "headers": {
              "type": "object"
             },
             "payload": {},
             "payload_encoding": {
              "type": "string",
              "enum": [
               "json",
               "text",
               "base64"
              ]
             }
            }
           },
           "Replay": {
            "type": "object",
            "required": [
             "batch",
             "events"
            ],
            "properties": {
             "batch": {
              "type": "object"
             },
             "events": {
              "type": "array",
              "items": {
               "$ref": "#/components/schemas/Event"
              }
             }
            }
           },
           "Task": {
            "type": "object"
           },
           "Envelope": {
            "type": "object",
            "required": [
             "code",
             "message",
             "data"
            ],
            "properties": {
             "code": {
              "type": "integer"
             },
             "message": {
              "type": "string"
             },
             "data": {}
            }
           }
          }
         },
         "paths": {
          "/healthz": {
           "get": {
            "summary": "liveness: the broker's loop answers PING",
            "tags": [
             "health"
            ],
            "operationId": "healthz",
            "security": [],
            "responses": {
             "200": {
              "description": "alive",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Health"
                }
               }
              }
             },
             "503": {
              "description": "the loop does not answer",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Health"
                }
               }
              }
             }
            }
           }
          },
          "/readyz": {
           "get": {
            "summary": "readiness: bound, topology applied, required plugins running",
            "tags": [
             "health"
            ],
            "operationId": "readyz",
            "security": [],
            "responses": {
             "200": {
              "description": "ready",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Health"
                }
               }
              }
             },
             "503": {
              "description": "not ready; reasons say why",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Health"
                }
               }
              }
             }
            }
           }
          },
          "/metrics": {
           "get": {
            "summary": "Prometheus metrics",
            "tags": [
             "metrics"
            ],
            "responses": {
             "200": {
              "description": "text format 0.0.4",
              "content": {
               "text/plain": {
                "schema": {
                 "type": "string"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "metrics"
           }
          },
          "/api/v1/openapi.json": {
           "get": {
            "summary": "this document",
            "tags": [
             "meta"
            ],
            "operationId": "openapi",
            "security": [],
            "responses": {
             "200": {
              "description": "OpenAPI 3.1",
              "content": {
               "application/json": {
                "schema": {
                 "type": "object"
                }
               }
              }
             }
            }
           }
          },
          "/api/v1/session": {
           "post": {
            "summary": "exchange a token for a session cookie",
            "tags": [
             "session"
            ],
            "responses": {
             "200": {
              "description": "the session's identity; Set-Cookie plexus_session",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Session"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "sessionOpen",
            "requestBody": {
             "required": true,
             "content": {
              "application/json": {
               "schema": {
                "type": "object",
                "required": [
                 "token"
                ],
                "properties": {
                 "token": {
                  "type": "string"
                 }
                }
               }
              }
             }
            }
           },
           "get": {
            "summary": "who am I",
            "tags": [
             "session"
            ],
            "responses": {
             "200": {
              "description": "identity",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Session"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "sessionShow"
           },
           "delete": {
            "summary": "log out",
            "tags": [
             "session"
            ],
            "operationId": "sessionClose",
            "responses": {
             "204": {
              "description": "cookie cleared"
             },
             "403": {
              "description": "cross-origin",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            }
           }
          },
          "/api/v1/broker": {
           "get": {
            "summary": "broker overview: PING, STATS counters, DISCOVER",
            "tags": [
             "broker"
            ],
            "responses": {
             "200": {
              "description": "overview",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Overview"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "broker"
           }
          },
          "/api/v1/plugins": {
           "get": {
            "summary": "plugins (STATUS), paged",
            "tags": [
             "plugins"
            ],
            "responses": {
             "200": {
              "description": "a page",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Page"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "plugins",
            "parameters": [
             {
              "name": "limit",
              "in": "query",
              "required": false,
              "schema": {
               "type": "integer",
               "minimum": 1,
               "maximum": 10000
              },
              "description": "items per page (default 100)"
             },
             {
              "name": "offset",
              "in": "query",
              "required": false,
              "schema": {
               "type": "integer",
               "minimum": 0,
               "maximum": 2147483648
              },
              "description": "items skipped"
             },
             {
              "name": "sort",
              "in": "query",
              "required": false,
              "schema": {
               "type": "string",
               "enum": [
                "name",
                "state",
                "pid",
                "restarts",
                "uptime_s",
                "version",
                "type",
                "instance",
                "-name",
                "-state",
                "-pid",
                "-restarts",
                "-uptime_s",
                "-version",
                "-type",
                "-instance"
               ]
              },
              "description": "field to sort by, '-' first for descending"
             },
             {
              "name": "name",
              "in": "query",
              "required": false,
              "schema": {
               "type": "string",
               "maxLength": 256
              },
              "description": "case-insensitive substring of the name"
             }
            ]
           }
          },
          "/api/v1/plugins/{name}": {
           "get": {
            "summary": "one plugin's instances",
            "tags": [
             "plugins"
            ],
            "responses": {
             "200": {
              "description": "the plugin",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Plugin"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "404": {
              "description": "no such plugin",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "plugin",
            "parameters": [
             {
              "name": "name",
              "in": "path",
              "required": true,
              "schema": {
               "type": "string",
               "pattern": "^[A-Za-z0-9_-]([A-Za-z0-9_-]|\\.(?!\\.)){0,62}$",
               "maxLength": 64
              },
              "description": "plugin name"
             }
            ]
           }
          },
          "/api/v1/plugins/{name}/start": {
           "post": {
            "summary": "START a plugin",
            "tags": [
             "plugins"
            ],
            "responses": {
             "200": {
              "description": "the broker's reply",
              "content": {
               "application/json": {
                "schema": {
                 "type": [
                  "object",
                  "array"
                 ]
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "404": {
              "description": "no such plugin",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "409": {
              "description": "not possible in its state",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "plugin_start",
            "parameters": [
             {
              "name": "name",
              "in": "path",
              "required": true,
              "schema": {
               "type": "string",
               "pattern": "^[A-Za-z0-9_-]([A-Za-z0-9_-]|\\.(?!\\.)){0,62}$",
               "maxLength": 64
              },
              "description": "plugin name"
             }
            ]
           }
          },
          "/api/v1/plugins/{name}/stop": {
           "post": {
            "summary": "STOP a plugin",
            "tags": [
             "plugins"
            ],
            "responses": {
             "200": {
              "description": "the broker's reply",
              "content": {
               "application/json": {
                "schema": {
                 "type": [
                  "object",
                  "array"
                 ]
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "404": {
              "description": "no such plugin",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "409": {
              "description": "not possible in its state",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "plugin_stop",
            "parameters": [
             {
              "name": "name",
              "in": "path",
              "required": true,
              "schema": {
               "type": "string",
               "pattern": "^[A-Za-z0-9_-]([A-Za-z0-9_-]|\\.(?!\\.)){0,62}$",
               "maxLength": 64
              },
              "description": "plugin name"
             }
            ]
           }
          },
          "/api/v1/plugins/{name}/restart": {
           "post": {
            "summary": "RESTART a plugin",
            "tags": [
             "plugins"
            ],
            "responses": {
             "200": {
              "description": "the broker's reply",
              "content": {
               "application/json": {
                "schema": {
                 "type": [
                  "object",
                  "array"
                 ]
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "404": {
              "description": "no such plugin",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "409": {
              "description": "not possible in its state",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "plugin_restart",
            "parameters": [
             {
              "name": "name",
              "in": "path",
              "required": true,
              "schema": {
               "type": "string",
               "pattern": "^[A-Za-z0-9_-]([A-Za-z0-9_-]|\\.(?!\\.)){0,62}$",
               "maxLength": 64
              },
              "description": "plugin name"
             }
            ]
           }
          },
          "/api/v1/plugins/{name}/reload": {
           "post": {
            "summary": "RELOAD a plugin",
            "tags": [
             "plugins"
            ],
            "responses": {
             "200": {
              "description": "the broker's reply",
              "content": {
               "application/json": {
                "schema": {
                 "type": [
                  "object",
                  "array"
                 ]
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "404": {
              "description": "no such plugin",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "409": {
              "description": "not possible in its state",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "plugin_reload",
            "parameters": [
             {
              "name": "name",
              "in": "path",
              "required": true,
              "schema": {
               "type": "string",
               "pattern": "^[A-Za-z0-9_-]([A-Za-z0-9_-]|\\.(?!\\.)){0,62}$",
               "maxLength": 64
              },
              "description": "plugin name"
             }
            ]
           }
          },
          "/api/v1/plugins/{name}/upgrade": {
           "post": {
            "summary": "UPGRADE a plugin",
            "tags": [
             "plugins"
            ],
            "responses": {
             "200": {
              "description": "the broker's reply",
              "content": {
               "application/json": {
                "schema": {
                 "type": [
                  "object",
                  "array"
                 ]
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "404": {
              "description": "no such plugin",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "409": {
              "description": "not possible in its state",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "plugin_upgrade",
            "parameters": [
             {
              "name": "name",
              "in": "path",
              "required": true,
              "schema": {
               "type": "string",
               "pattern": "^[A-Za-z0-9_-]([A-Za-z0-9_-]|\\.(?!\\.)){0,62}$",
               "maxLength": 64
              },
              "description": "plugin name"
             }
            ]
           }
          },
          "/api/v1/plugins/{name}/logs": {
           "get": {
            "summary": "captured output (LOGS); follow=true streams SSE",
            "tags": [
             "plugins"
            ],
            "responses": {
             "200": {
              "description": "lines",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Logs"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "404": {
              "description": "no such plugin",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "pluginLogs",
            "parameters": [
             {
              "name": "name",
              "in": "path",
              "required": true,
              "schema": {
               "type": "string",
               "pattern": "^[A-Za-z0-9_-]([A-Za-z0-9_-]|\\.(?!\\.)){0,62}$",
               "maxLength": 64
              },
              "description": "plugin name"
             },
             {
              "name": "tail",
              "in": "query",
              "required": false,
              "schema": {
               "type": "integer",
               "minimum": 0,
               "maximum": 100000
              },
              "description": "last N lines (default 1000)"
             },
             {
              "name": "follow",
              "in": "query",
              "required": false,
              "schema": {
               "type": "boolean"
              },
              "description": "stream new lines as SSE (event: log)"
             },
             {
              "name": "search",
              "in": "query",
              "required": false,
              "schema": {
               "type": "string",
               "maxLength": 256
              },
              "description": "only lines containing this"
             }
            ]
           }
          },
          "/api/v1/topology": {
           "get": {
            "summary": "the topology file the broker runs",
            "tags": [
             "topology"
            ],
            "responses": {
             "200": {
              "description": "path and YAML (format=yaml: the file itself)",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/TopologyFile"
                }
               },
               "application/yaml": {
                "schema": {}
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "topology",
            "parameters": [
             {
              "name": "format",
              "in": "query",
              "required": false,
              "schema": {
               "type": "string",
               "enum": [
                "json",
                "yaml"
               ]
              },
              "description": "yaml for the raw file"
             }
            ]
           }
          },
          "/api/v1/topology/apply": {
           "post": {
            "summary": "APPLY a topology (YAML body)",
            "tags": [
             "topology"
            ],
            "responses": {
             "200": {
              "description": "the plan",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Plan"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "409": {
              "description": "conflict",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "413": {
              "description": "body over 1 MiB",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "topologyApply",
            "parameters": [
             {
              "name": "dry_run",
              "in": "query",
              "required": false,
              "schema": {
               "type": "boolean"
              },
              "description": "only return the plan"
             }
            ],
            "requestBody": {
             "required": true,
             "content": {
              "application/yaml": {
               "schema": {}
              }
             }
            }
           }
          },
          "/api/v1/topics": {
           "get": {
            "summary": "per-topic counters (STATS), paged",
            "tags": [
             "events"
            ],
            "responses": {
             "200": {
              "description": "a page",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Page"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "topics",
            "parameters": [
             {
              "name": "limit",
              "in": "query",
              "required": false,
              "schema": {
               "type": "integer",
               "minimum": 1,
               "maximum": 10000
              },
              "description": "items per page (default 100)"
             },
             {
              "name": "offset",
              "in": "query",
              "required": false,
              "schema": {
               "type": "integer",
               "minimum": 0,
               "maximum": 2147483648
              },
              "description": "items skipped"
             },
             {
              "name": "sort",
              "in": "query",
              "required": false,
              "schema": {
               "type": "string",
               "enum": [
                "topic",
                "count",
                "bytes",
                "last_seq",
                "dropped",
                "-topic",
                "-count",
                "-bytes",
                "-last_seq",
                "-dropped"
               ]
              },
              "description": "field to sort by, '-' first for descending"
             },
             {
              "name": "name",
              "in": "query",
              "required": false,
              "schema": {
               "type": "string",
               "maxLength": 256
              },
              "description": "case-insensitive substring of the name"
             }
            ]
           }
          },
          "/api/v1/events": {
           "post": {
            "summary": "publish an event (PUBLISH)",
            "tags": [
             "events"
            ],
            "responses": {
             "200": {
              "description": "its seq",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Seq"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "413": {
              "description": "body over 1 MiB",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "publish",
            "requestBody": {
             "required": true,
             "content": {
              "application/json": {
               "schema": {
                "type": "object",
                "required": [
                 "topic"
                ],
                "properties": {
                 "topic": {
                  "type": "string"
                 },
                 "payload": {},
                 "headers": {
                  "type": "object",
                  "additionalProperties": {
                   "type": "string"
                  }
                 }
                }
               }
              }
             }
            }
           }
          },
          "/api/v1/events/log": {
           "get": {
            "summary": "the event log's state (EVENTS)",
            "tags": [
             "events"
            ],
            "responses": {
             "200": {
              "description": "state",
              "content": {
               "application/json": {
                "schema": {
                 "type": "object"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "eventLog"
           }
          },
          "/api/v1/events/last/{topic}": {
           "get": {
            "summary": "the last stored event of a topic",
            "tags": [
             "events"
            ],
            "responses": {
             "200": {
              "description": "the event",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Event"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "404": {
              "description": "none stored",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "lastEvent",
            "parameters": [
             {
              "name": "topic",
              "in": "path",
              "required": true,
              "schema": {
               "type": "string",
               "maxLength": 256
              },
              "description": "topic"
             }
            ]
           }
          },
          "/api/v1/events/replay": {
           "get": {
            "summary": "one batch of stored events (REPLAY)",
            "tags": [
             "events"
            ],
            "responses": {
             "200": {
              "description": "batch and events",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Replay"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "404": {
              "description": "not found",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "410": {
              "description": "from before the oldest stored event",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "replay",
            "parameters": [
             {
              "name": "pattern",
              "in": "query",
              "required": true,
              "schema": {
               "type": "string",
               "maxLength": 256
              },
              "description": "topic pattern"
             },
             {
              "name": "from_seq",
              "in": "query",
              "required": false,
              "schema": {
               "type": "integer",
               "minimum": 0
              },
              "description": "first seq"
             },
             {
              "name": "from_time",
              "in": "query",
              "required": false,
              "schema": {
               "type": "integer",
               "minimum": 0
              },
              "description": "\u00b5s since the epoch"
             },
             {
              "name": "last",
              "in": "query",
              "required": false,
              "schema": {
               "type": "integer",
               "minimum": 1,
               "maximum": 10000000
              },
              "description": "last N"
             },
             {
              "name": "to_seq",
              "in": "query",
              "required": false,
              "schema": {
               "type": "integer",
               "minimum": 0
              },
              "description": "last seq"
             },
             {
              "name": "to_time",
              "in": "query",
              "required": false,
              "schema": {
               "type": "integer",
               "minimum": 0
              },
              "description": "\u00b5s since the epoch"
             },
             {
              "name": "max_events",
              "in": "query",
              "required": false,
              "schema": {
               "type": "integer",
               "minimum": 1,
               "maximum": 10000
              },
              "description": "batch size"
             }
            ]
           }
          },
          "/api/v1/events/stream": {
           "get": {
            "summary": "live events as Server-Sent Events",
            "tags": [
             "events"
            ],
            "responses": {
             "200": {
              "description": "text/event-stream; id = seq",
              "content": {
               "text/event-stream": {
                "schema": {
                 "type": "string"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "429": {
              "description": "too many streams",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "stream",
            "parameters": [
             {
              "name": "pattern",
              "in": "query",
              "required": false,
              "schema": {
               "type": "string"
              },
              "description": "topic pattern, repeatable (default >)"
             },
             {
              "name": "last_event_id",
              "in": "query",
              "required": false,
              "schema": {
               "type": "integer",
               "minimum": 0
              },
              "description": "resume after this seq (or the Last-Event-ID header)"
             },
             {
              "name": "system",
              "in": "query",
              "required": false,
              "schema": {
               "type": "boolean"
              },
              "description": "plugin/task/breaker events (default true)"
             }
            ]
           }
          },
          "/api/v1/services": {
           "get": {
            "summary": "services (SERVICES), paged",
            "tags": [
             "services"
            ],
            "responses": {
             "200": {
              "description": "a page",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Page"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "services",
            "parameters": [
             {
              "name": "limit",
              "in": "query",
              "required": false,
              "schema": {
               "type": "integer",
               "minimum": 1,
               "maximum": 10000
              },
              "description": "items per page (default 100)"
             },
             {
              "name": "offset",
              "in": "query",
              "required": false,
              "schema": {
               "type": "integer",
               "minimum": 0,
               "maximum": 2147483648
              },
              "description": "items skipped"
             },
             {
              "name": "sort",
              "in": "query",
              "required": false,
              "schema": {
               "type": "string",
               "enum": [
                "name",
                "breaker",
                "requests",
                "errors",
                "in_flight",
                "queued",
                "avg_ms",
                "p99_ms",
                "-name",
                "-breaker",
                "-requests",
                "-errors",
                "-in_flight",
                "-queued",
                "-avg_ms",
                "-p99_ms"
               ]
              },
              "description": "field to sort by, '-' first for descending"
             },
             {
              "name": "name",
              "in": "query",
              "required": false,
              "schema": {
               "type": "string",
               "maxLength": 256
              },
              "description": "case-insensitive substring of the name"
             }
            ]
           }
          },
          "/api/v1/services/{name}/call": {
           "post": {
            "summary": "CALL a service; the body goes as it is",
            "tags": [
             "services"
            ],
            "responses": {
             "200": {
              "description": "the service's reply, JSON when it is JSON",
              "content": {
               "application/json": {
                "schema": {}
               },
               "application/octet-stream": {
                "schema": {
                 "type": "string",
                 "format": "binary"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "404": {
              "description": "no such service",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "409": {
              "description": "conflict",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "413": {
              "description": "body over 1 MiB",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "429": {
              "description": "queue full",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "502": {
              "description": "bad reply",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "504": {
              "description": "timed out",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "call",
            "parameters": [
             {
              "name": "name",
              "in": "path",
              "required": true,
              "schema": {
               "type": "string",
               "maxLength": 256
              },
              "description": "service name"
             },
             {
              "name": "timeout_ms",
              "in": "query",
              "required": false,
              "schema": {
               "type": "integer",
               "minimum": 1,
               "maximum": 600000
              },
              "description": "deadline"
             },
             {
              "name": "idempotent",
              "in": "query",
              "required": false,
              "schema": {
               "type": "boolean"
              },
              "description": "may be retried"
             }
            ],
            "requestBody": {
             "required": false,
             "content": {
              "application/octet-stream": {
               "schema": {
                "type": "string",
                "format": "binary"
               }
              }
             }
            }
           }
          },
          "/api/v1/tasks": {
           "get": {
            "summary": "tasks (TASKS LIST), paged",
            "tags": [
             "tasks"
            ],
            "responses": {
             "200": {
              "description": "a page",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Page"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "tasks",
            "parameters": [
             {
              "name": "limit",
              "in": "query",
              "required": false,
              "schema": {
               "type": "integer",
               "minimum": 1,
               "maximum": 10000
              },
              "description": "items per page (default 100)"
             },
             {
              "name": "offset",
              "in": "query",
              "required": false,
              "schema": {
               "type": "integer",
               "minimum": 0,
               "maximum": 2147483648
              },
              "description": "items skipped"
             },
             {
              "name": "sort",
              "in": "query",
              "required": false,
              "schema": {
               "type": "string",
               "enum": [
                "id",
                "state",
                "next_run",
                "last_run",
                "runs",
                "-id",
                "-state",
                "-next_run",
                "-last_run",
                "-runs"
               ]
              },
              "description": "field to sort by, '-' first for descending"
             },
             {
              "name": "name",
              "in": "query",
              "required": false,
              "schema": {
               "type": "string",
               "maxLength": 256
              },
              "description": "case-insensitive substring of the name"
             }
            ]
           },
           "post": {
            "summary": "create a task (TASKS ADD)",
            "tags": [
             "tasks"
            ],
            "responses": {
             "201": {
              "description": "the task",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Task"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "409": {
              "description": "duplicate id or limit",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "413": {
              "description": "body over 1 MiB",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "taskAdd",
            "requestBody": {
             "required": true,
             "content": {
              "application/json": {
               "schema": {
                "type": "object"
               }
              }
             }
            }
           }
          },
          "/api/v1/tasks/{id}": {
           "get": {
            "summary": "a task with its history (TASKS SHOW)",
            "tags": [
             "tasks"
            ],
            "responses": {
             "200": {
              "description": "the task",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Task"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "404": {
              "description": "no such task",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "task",
            "parameters": [
             {
              "name": "id",
              "in": "path",
              "required": true,
              "schema": {
               "type": "string",
               "maxLength": 128
              },
              "description": "task id"
             }
            ]
           },
           "delete": {
            "summary": "remove a task (TASKS REMOVE)",
            "tags": [
             "tasks"
            ],
            "responses": {
             "200": {
              "description": "removed",
              "content": {
               "application/json": {
                "schema": {
                 "type": "object"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "404": {
              "description": "no such task",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "409": {
              "description": "declared in topology.yaml",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "taskRemove",
            "parameters": [
             {
              "name": "id",
              "in": "path",
              "required": true,
              "schema": {
               "type": "string",
               "maxLength": 128
              },
              "description": "task id"
             }
            ]
           }
          },
          "/api/v1/tasks/{id}/pause": {
           "post": {
            "summary": "TASKS PAUSE",
            "tags": [
             "tasks"
            ],
            "responses": {
             "200": {
              "description": "the task",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Task"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "404": {
              "description": "no such task",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "409": {
              "description": "not in this state",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "task_pause",
            "parameters": [
             {
              "name": "id",
              "in": "path",
              "required": true,
              "schema": {
               "type": "string",
               "maxLength": 128
              },
              "description": "task id"
             }
            ]
           }
          },
          "/api/v1/tasks/{id}/resume": {
           "post": {
            "summary": "TASKS RESUME",
            "tags": [
             "tasks"
            ],
            "responses": {
             "200": {
              "description": "the task",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Task"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "404": {
              "description": "no such task",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "409": {
              "description": "not in this state",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "task_resume",
            "parameters": [
             {
              "name": "id",
              "in": "path",
              "required": true,
              "schema": {
               "type": "string",
               "maxLength": 128
              },
              "description": "task id"
             }
            ]
           }
          },
          "/api/v1/tasks/{id}/cancel": {
           "post": {
            "summary": "TASKS CANCEL",
            "tags": [
             "tasks"
            ],
            "responses": {
             "200": {
              "description": "the task",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Task"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "404": {
              "description": "no such task",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "409": {
              "description": "not in this state",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "task_cancel",
            "parameters": [
             {
              "name": "id",
              "in": "path",
              "required": true,
              "schema": {
               "type": "string",
               "maxLength": 128
              },
              "description": "task id"
             }
            ]
           }
          },
          "/api/v1/tasks/{id}/trigger": {
           "post": {
            "summary": "TASKS TRIGGER",
            "tags": [
             "tasks"
            ],
            "responses": {
             "200": {
              "description": "the task",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Task"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "404": {
              "description": "no such task",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "409": {
              "description": "not in this state",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "task_trigger",
            "parameters": [
             {
              "name": "id",
              "in": "path",
              "required": true,
              "schema": {
               "type": "string",
               "maxLength": 128
              },
              "description": "task id"
             }
            ]
           }
          },
          "/exts": {
           "get": {
            "summary": "seed alias: extensions (STATUS by name)",
            "tags": [
             "aliases"
            ],
            "responses": {
             "200": {
              "description": "extensions",
              "content": {
               "application/json": {
                "schema": {
                 "type": "object"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "exts"
           }
          },
          "/exts/load": {
           "post": {
            "summary": "seed alias: load an extension",
            "tags": [
             "aliases"
            ],
            "responses": {
             "200": {
              "description": "result",
              "content": {
               "application/json": {
                "schema": {
                 "type": "object"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "404": {
              "description": "no such plugin",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "409": {
              "description": "not possible in its state",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "exts_load",
            "parameters": [
             {
              "name": "name",
              "in": "query",
              "required": false,
              "schema": {
               "type": "string",
               "pattern": "^[A-Za-z0-9_-]([A-Za-z0-9_-]|\\.(?!\\.)){0,62}$",
               "maxLength": 64
              },
              "description": "the extension (or body {name})"
             }
            ],
            "requestBody": {
             "required": false,
             "content": {
              "application/json": {
               "schema": {
                "type": "object",
                "properties": {
                 "name": {
                  "type": "string",
                  "pattern": "^[A-Za-z0-9_-]([A-Za-z0-9_-]|\\.(?!\\.)){0,62}$",
                  "maxLength": 64
                 }
                }
               }
              }
             }
            }
           }
          },
          "/exts/unload": {
           "post": {
            "summary": "seed alias: unload an extension",
            "tags": [
             "aliases"
            ],
            "responses": {
             "200": {
              "description": "result",
              "content": {
               "application/json": {
                "schema": {
                 "type": "object"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "404": {
              "description": "no such plugin",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "409": {
              "description": "not possible in its state",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "exts_unload",
            "parameters": [
             {
              "name": "name",
              "in": "query",
              "required": false,
              "schema": {
               "type": "string",
               "pattern": "^[A-Za-z0-9_-]([A-Za-z0-9_-]|\\.(?!\\.)){0,62}$",
               "maxLength": 64
              },
              "description": "the extension (or body {name})"
             }
            ],
            "requestBody": {
             "required": false,
             "content": {
              "application/json": {
               "schema": {
                "type": "object",
                "properties": {
                 "name": {
                  "type": "string",
                  "pattern": "^[A-Za-z0-9_-]([A-Za-z0-9_-]|\\.(?!\\.)){0,62}$",
                  "maxLength": 64
                 }
                }
               }
              }
             }
            }
           }
          },
          "/exts/reload": {
           "post": {
            "summary": "seed alias: reload an extension",
            "tags": [
             "aliases"
            ],
            "responses": {
             "200": {
              "description": "result",
              "content": {
               "application/json": {
                "schema": {
                 "type": "object"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "404": {
              "description": "no such plugin",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "409": {
              "description": "not possible in its state",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "exts_reload",
            "parameters": [
             {
              "name": "name",
              "in": "query",
              "required": false,
              "schema": {
               "type": "string",
               "pattern": "^[A-Za-z0-9_-]([A-Za-z0-9_-]|\\.(?!\\.)){0,62}$",
               "maxLength": 64
              },
              "description": "the extension (or body {name})"
             }
            ],
            "requestBody": {
             "required": false,
             "content": {
              "application/json": {
               "schema": {
                "type": "object",
                "properties": {
                 "name": {
                  "type": "string",
                  "pattern": "^[A-Za-z0-9_-]([A-Za-z0-9_-]|\\.(?!\\.)){0,62}$",
                  "maxLength": 64
                 }
                }
               }
              }
             }
            }
           }
          },
          "/plugins/status": {
           "get": {
            "summary": "seed alias: plugin status",
            "tags": [
             "aliases"
            ],
            "responses": {
             "200": {
              "description": "envelope",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Envelope"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "seedPlugins"
           }
          },
          "/plugins/{name}/restart": {
           "post": {
            "summary": "seed alias: restart",
            "tags": [
             "aliases"
            ],
            "responses": {
             "200": {
              "description": "envelope",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Envelope"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "404": {
              "description": "no such plugin",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "409": {
              "description": "not possible",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "seedRestart",
            "parameters": [
             {
              "name": "name",
              "in": "path",
              "required": true,
              "schema": {
               "type": "string",
               "pattern": "^[A-Za-z0-9_-]([A-Za-z0-9_-]|\\.(?!\\.)){0,62}$",
               "maxLength": 64
              },
              "description": "plugin name"
             }
            ]
           }
          },
          "/plugins/events/test": {
           "post": {
            "summary": "seed alias: publish a test event",
            "tags": [
             "aliases"
            ],
            "responses": {
             "200": {
              "description": "envelope",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Envelope"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "413": {
              "description": "body over 1 MiB",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "seedTestEvent",
            "requestBody": {
             "required": false,
             "content": {
              "application/json": {
               "schema": {
                "type": "object",
                "required": [
                 "topic"
                ],
                "properties": {
                 "topic": {
                  "type": "string"
                 },
                 "payload": {},
                 "headers": {
                  "type": "object",
                  "additionalProperties": {
                   "type": "string"
                  }
                 }
                }
               }
              }
             }
            }
           }
          },
          "/scheduler/tasks": {
           "get": {
            "summary": "seed alias: tasks",
            "tags": [
             "aliases"
            ],
            "responses": {
             "200": {
              "description": "envelope",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Envelope"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "seedTasks"
           },
           "post": {
            "summary": "seed alias: create a task (seed shape or Plexus definition)",
            "tags": [
             "aliases"
            ],
            "responses": {
             "201": {
              "description": "envelope",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Envelope"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "409": {
              "description": "duplicate",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "413": {
              "description": "too large",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "seedTaskAdd",
            "requestBody": {
             "required": true,
             "content": {
              "application/json": {
               "schema": {
                "type": "object"
               }
              }
             }
            }
           }
          },
          "/scheduler/tasks/{id}": {
           "get": {
            "summary": "seed alias: a task",
            "tags": [
             "aliases"
            ],
            "responses": {
             "200": {
              "description": "envelope",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Envelope"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "404": {
              "description": "no such task",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "seedTask",
            "parameters": [
             {
              "name": "id",
              "in": "path",
              "required": true,
              "schema": {
               "type": "string",
               "maxLength": 128
              },
              "description": "task id"
             }
            ]
           }
          },
          "/scheduler/tasks/{id}/pause": {
           "post": {
            "summary": "seed alias: pause",
            "tags": [
             "aliases"
            ],
            "responses": {
             "200": {
              "description": "envelope",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Envelope"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "404": {
              "description": "no such task",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "409": {
              "description": "not in this state",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "seedTask_pause",
            "parameters": [
             {
              "name": "id",
              "in": "path",
              "required": true,
              "schema": {
               "type": "string",
               "maxLength": 128
              },
              "description": "task id"
             }
            ]
           }
          },
          "/scheduler/tasks/{id}/resume": {
           "post": {
            "summary": "seed alias: resume",
            "tags": [
             "aliases"
            ],
            "responses": {
             "200": {
              "description": "envelope",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Envelope"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "404": {
              "description": "no such task",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "409": {
              "description": "not in this state",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "seedTask_resume",
            "parameters": [
             {
              "name": "id",
              "in": "path",
              "required": true,
              "schema": {
               "type": "string",
               "maxLength": 128
              },
              "description": "task id"
             }
            ]
           }
          },
          "/scheduler/tasks/{id}/cancel": {
           "post": {
            "summary": "seed alias: cancel",
            "tags": [
             "aliases"
            ],
            "responses": {
             "200": {
              "description": "envelope",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Envelope"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "404": {
              "description": "no such task",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "409": {
              "description": "not in this state",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "seedTask_cancel",
            "parameters": [
             {
              "name": "id",
              "in": "path",
              "required": true,
              "schema": {
               "type": "string",
               "maxLength": 128
              },
              "description": "task id"
             }
            ]
           }
          },
          "/scheduler/status": {
           "get": {
            "summary": "seed alias: scheduler status",
            "tags": [
             "aliases"
            ],
            "responses": {
             "200": {
              "description": "envelope",
              "content": {
               "application/json": {
                "schema": {
                 "$ref": "#/components/schemas/Envelope"
                }
               }
              }
             },
             "400": {
              "description": "bad parameter or body",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "401": {
              "description": "no or bad token (when tokens are configured)",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "403": {
              "description": "a viewer on a mutation, or a cross-origin mutation",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             },
             "503": {
              "description": "the broker did not answer in time",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            },
            "operationId": "seedSchedulerStatus"
           }
          },
          "/": {
           "get": {
            "summary": "the web console",
            "tags": [
             "console"
            ],
            "operationId": "console",
            "security": [],
            "responses": {
             "200": {
              "description": "index.html",
              "content": {
               "text/html": {
                "schema": {
                 "type": "string"
                }
               }
              }
             }
            }
           }
          },
          "/console/{file}": {
           "get": {
            "summary": "a console file",
            "tags": [
             "console"
            ],
            "operationId": "consoleFile",
            "security": [],
            "parameters": [
             {
              "name": "file",
              "in": "path",
              "required": true,
              "schema": {
               "type": "string",
               "maxLength": 128
              },
              "description": "file name"
             }
            ],
            "responses": {
             "200": {
              "description": "the file",
              "content": {
               "*/*": {
                "schema": {
                 "type": "string"
                }
               }
              }
             },
             "404": {
              "description": "no such file",
              "content": {
               "application/problem+json": {
                "schema": {
                 "$ref": "#/components/schemas/Problem"
                }
               }
              }
             }
            }
           }
          }
         }
        }
        """#
}
