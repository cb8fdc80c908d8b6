"""The API's routers, one file per part of the desk; core.server.app includes them all."""
