<?php
// Shows what rampart collected for this request, then what the app itself reads of the
// body (proving php://input was not consumed).
header('Content-Type: application/json');
echo json_encode(['inputs' => Rampart\request_inputs(), 'body' => file_get_contents('php://input')]);
