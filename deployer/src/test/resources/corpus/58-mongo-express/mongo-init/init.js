db.createCollection("orders");
