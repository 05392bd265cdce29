"""The bundled demo portal: a small site server on 127.0.0.1 and the articles it serves."""
